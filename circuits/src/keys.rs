//! IPA parameters, verifying and proving keys, and verifying-key fingerprints.
//!
//! Parameters are derived deterministically from a fixed string (no trusted setup): any party
//! regenerates exactly the same ones. Generating them costs about a quarter of a second at
//! `k = 9`, so [`ParamsStore`] caches them on disk; a cached file is used only if its BLAKE2b
//! digest equals the digest pinned in this crate, so a corrupted or planted file is regenerated,
//! never trusted. Keys are rebuilt from the circuit (halo2 keys are not serialisable).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use halo2_proofs::dev::CircuitCost;
use halo2_proofs::plonk::{self, Circuit, ProvingKey, VerifyingKey, keygen_pk, keygen_vk};
pub use halo2_proofs::poly::commitment::Params;
use pasta_curves::vesta;
use thiserror::Error;

use crate::batch::{BatchCircuit, BatchShape};
use crate::field::Fp;
use crate::health::circuit::HealthCircuit;
use crate::liquidation::{LiquidationCircuit, LiquidationShape};
use crate::report::{
    ReportCircuitV1, ReportCircuitV2, ReportCircuitV3, ReportInstance, ReportLayout, ReportShape,
};
use crate::shape::Shape;

/// The curve proofs are made over (its scalar field is [`crate::Fp`]).
pub type Curve = vesta::Affine;

/// Rows halo2 reserves at the end of a circuit of type `C` (its blinding rows and the last-row
/// marker): `2^k` less these are the rows a layout may use. `tests/pinning.rs` checks each
/// shape fits at its `k` and not at `k - 1`.
pub fn reserved_rows<C: halo2_proofs::plonk::Circuit<crate::Fp>>() -> usize {
    let mut cs = halo2_proofs::plonk::ConstraintSystem::default();
    C::configure(&mut cs);
    cs.blinding_factors() + 1
}

/// The least `k` whose usable rows hold `rows` rows of a circuit of type `C`.
pub fn smallest_k<C: halo2_proofs::plonk::Circuit<crate::Fp>>(rows: usize) -> u32 {
    (rows + reserved_rows::<C>())
        .next_power_of_two()
        .trailing_zeros()
}

/// `k` used only to measure a layout (the floor planner's layout does not depend on it).
pub const MEASURE_K: u32 = 18;

/// `max_rows` from halo2's `CircuitCost` (its fields are private; its `Debug` output lists it).
pub fn max_rows<C: halo2_proofs::plonk::Circuit<crate::Fp> + std::fmt::Debug>(
    cost: &CircuitCost<vesta::Point, C>,
) -> usize {
    let text = format!("{cost:?}");
    text.split("max_rows: ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .expect("CircuitCost's Debug output lists max_rows")
}

/// Version of the statement, hashed into every fingerprint. Bump it whenever the meaning of a
/// proof changes without the constraint system changing (e.g. an off-circuit encoding).
pub const STATEMENT_VERSION: &str = "zkliq health statement v1";
/// Version of the state statement (format-2 trees: tagged nodes, a root bound to its market),
/// hashed into the fingerprints of format-2 batch circuits.
pub const STATE_STATEMENT_VERSION: &str = "zkliq state statement v2";
/// Version of the liquidation statement, hashed into the liquidation circuits' fingerprints.
pub const LIQUIDATION_STATEMENT_VERSION: &str = "zkliq liquidation statement v1";
/// Version of the round-report statement, bound into report key fingerprints.
pub const REPORT_STATEMENT_VERSION: &str = "zkliq report statement v1";
/// The proof system release this crate builds against (a test checks it against Cargo.lock).
pub const HALO2_PROOFS_VERSION: &str = "0.4";

/// BLAKE2b-256 digests of `Params::new(k)` as written by `Params::write`, for every `k` a shape
/// uses. `tests/pinning.rs` regenerates and checks them (`k >= 14` only when
/// `ZKLIQ_CHECK_ALL_PARAMS` is set: `k = 17` alone takes over a minute).
const PINNED_PARAMS: &[(u32, &str)] = &[
    (
        9,
        "9a3f6aa3043993d32938ce79d9d659975a6986cacd29ec0cd2b5bfca28213d0f",
    ),
    (
        10,
        "b1177925a2967ffd8c70f8fbef4931a3613e064b6d89c030558947f25bd7f638",
    ),
    (
        11,
        "2b270b9eebd7d023ca8ea083d8e8c900065328d3eee723ff99d16303c150953a",
    ),
    (
        12,
        "3878f64f5540209cbf1bd79fdc39f09f97503a540535eddf71100ea3907c65f9",
    ),
    (
        13,
        "7c468082206c1b6e7228d774948d95798f79ea93ae3c4960402dba42c2402e59",
    ),
    (
        14,
        "3ce477cf426298452d4c1baaf38ab40e8b43d511fc00321a79ac924f35560127",
    ),
    (
        15,
        "d83e26d7a075645f3fd6a78ef4e3d24c5b124e8c1a3a85954689516e35636276",
    ),
    (
        16,
        "1eee40d90f9f8ef442ea598e3662ad02bc2d677a0b05de083f1a9d1bd3750836",
    ),
    (
        17,
        "644a5fda19573a8311fed7e6e322bcf40bc9717e4546cfbf3c8995cdad019413",
    ),
];

/// Why parameters or keys could not be produced.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Key generation failed: the circuit does not fit its shape's `k` (a bug).
    #[error("key generation for the {shape} circuit failed: {cause}")]
    Keygen {
        /// The shape.
        shape: CircuitShape,
        /// halo2's error.
        cause: plonk::Error,
    },
    /// The parameter cache directory could not be read.
    #[error("cannot read cached parameters {path}: {cause}")]
    CacheRead {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
}

/// Which circuit a key is for: a health proof of one account, or a batch (or membership) proof
/// against a state root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CircuitShape {
    /// [`HealthCircuit`] of an asset shape.
    Health(Shape),
    /// [`BatchCircuit`] of a batch shape.
    Batch(BatchShape),
    /// [`LiquidationCircuit`] of a liquidation shape.
    Liquidation(LiquidationShape),
    /// [`crate::report::ReportCircuit`] of a report-piece shape (in its layout).
    Report(ReportShape),
}

impl CircuitShape {
    /// `log2` of the circuit's row count.
    pub fn k(self) -> u32 {
        match self {
            CircuitShape::Health(s) => s.k(),
            CircuitShape::Batch(b) => b.k(),
            CircuitShape::Liquidation(l) => l.k(),
            CircuitShape::Report(r) => r.k(),
        }
    }

    /// Length of the circuit's instance column.
    pub fn public_inputs(self) -> usize {
        match self {
            CircuitShape::Health(_) => crate::health::instance::NUM_PUBLIC_INPUTS,
            CircuitShape::Batch(b) => crate::batch::CLAIMS_START_ROW + b.positions(),
            CircuitShape::Liquidation(_) => crate::liquidation::instance::NUM_PUBLIC_INPUTS,
            CircuitShape::Report(r) => ReportInstance::len(r),
        }
    }
}

impl From<Shape> for CircuitShape {
    fn from(shape: Shape) -> Self {
        CircuitShape::Health(shape)
    }
}

impl From<BatchShape> for CircuitShape {
    fn from(shape: BatchShape) -> Self {
        CircuitShape::Batch(shape)
    }
}

impl From<LiquidationShape> for CircuitShape {
    fn from(shape: LiquidationShape) -> Self {
        CircuitShape::Liquidation(shape)
    }
}

impl From<ReportShape> for CircuitShape {
    fn from(shape: ReportShape) -> Self {
        CircuitShape::Report(shape)
    }
}

impl std::fmt::Display for CircuitShape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CircuitShape::Health(s) => s.fmt(f),
            CircuitShape::Batch(b) => b.fmt(f),
            CircuitShape::Liquidation(l) => l.fmt(f),
            CircuitShape::Report(r) => r.fmt(f),
        }
    }
}

/// A 32-byte fingerprint of a verifying key, its shape and the statement version.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Lowercase hex, 64 digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Parameters by `k`, generated once and shared; optionally cached on disk.
#[derive(Debug, Default)]
pub struct ParamsStore {
    dir: Option<PathBuf>,
    loaded: Mutex<HashMap<u32, Arc<Params<Curve>>>>,
}

impl ParamsStore {
    /// A store that generates parameters in memory and never touches the disk.
    pub fn in_memory() -> Self {
        ParamsStore::default()
    }

    /// A store that caches parameters as `params-k{k}.bin` files in `dir` (created on demand).
    pub fn cached_in(dir: impl Into<PathBuf>) -> Self {
        ParamsStore {
            dir: Some(dir.into()),
            loaded: Mutex::default(),
        }
    }

    fn path(&self, k: u32) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("params-k{k}.bin")))
    }

    /// True if `get(k)` will not have to generate parameters (they are loaded, or a cache file
    /// exists; its digest is still checked on load).
    pub fn is_cached(&self, k: u32) -> bool {
        self.lock().contains_key(&k) || self.path(k).is_some_and(|p| p.is_file())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, Arc<Params<Curve>>>> {
        // A panic while holding the lock cannot leave the map inconsistent: entries are whole.
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The parameters for `k`: from memory, from a cache file whose digest matches the pinned
    /// one, or freshly generated (and then cached, best effort).
    pub fn get(&self, k: u32) -> Result<Arc<Params<Curve>>, KeyError> {
        if let Some(p) = self.lock().get(&k) {
            return Ok(p.clone());
        }
        let params = Arc::new(self.load_or_generate(k)?);
        self.lock().insert(k, params.clone());
        Ok(params)
    }

    fn load_or_generate(&self, k: u32) -> Result<Params<Curve>, KeyError> {
        let pinned = PINNED_PARAMS
            .iter()
            .find(|(pk, _)| *pk == k)
            .map(|(_, d)| *d);
        let (Some(path), Some(pinned)) = (self.path(k), pinned) else {
            return Ok(Params::new(k));
        };
        match fs::read(&path) {
            Ok(bytes) if params_digest(&bytes) == pinned => {
                if let Ok(params) = Params::read(&mut bytes.as_slice()) {
                    return Ok(params);
                }
            }
            Ok(_) => {
                tracing::warn!(path = %path.display(), "cached parameters do not match the pinned digest; regenerating")
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(cause) => return Err(KeyError::CacheRead { path, cause }),
        }
        let params = Params::new(k);
        if let Err(e) = write_atomically(&path, &params) {
            tracing::warn!(path = %path.display(), error = %e, "could not cache parameters");
        }
        Ok(params)
    }
}

fn write_atomically(path: &Path, params: &Params<Curve>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    let mut bytes = Vec::new();
    params.write(&mut bytes)?;
    file.write_all(&bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// BLAKE2b-256 of serialised parameters, hex.
pub fn params_digest(bytes: &[u8]) -> String {
    let hash = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"zkliq-params-v1\0")
        .hash(bytes);
    hex::encode(hash.as_bytes())
}

/// Everything needed to verify proofs of one circuit shape.
#[derive(Clone, Debug)]
pub struct VerifierKey {
    shape: CircuitShape,
    vk: VerifyingKey<Curve>,
    fingerprint: Fingerprint,
    proof_len: usize,
    /// What each further circuit proved in the same proof adds to its length.
    proof_len_per_circuit: usize,
}

fn keygen<C: Circuit<Fp>>(
    params: &Params<Curve>,
    shape: CircuitShape,
    circuit: &C,
) -> Result<VerifierKey, KeyError> {
    let vk = keygen_vk(params, circuit).map_err(|cause| KeyError::Keygen { shape, cause })?;
    let fingerprint = fingerprint(&vk, shape);
    let cost = CircuitCost::<vesta::Point, _>::measure(shape.k(), circuit);
    let proof_len: usize = cost.proof_size(1).into();
    let two: usize = cost.proof_size(2).into();
    Ok(VerifierKey {
        shape,
        vk,
        fingerprint,
        proof_len,
        proof_len_per_circuit: two - proof_len,
    })
}

impl VerifierKey {
    /// Builds the verifying key of `shape` from the circuit.
    pub fn build(params: &Params<Curve>, shape: impl Into<CircuitShape>) -> Result<Self, KeyError> {
        match shape.into() {
            s @ CircuitShape::Health(h) => keygen(params, s, &HealthCircuit::keygen(h)),
            s @ CircuitShape::Batch(b) => keygen(params, s, &BatchCircuit::keygen(b)),
            s @ CircuitShape::Liquidation(l) => keygen(params, s, &LiquidationCircuit::keygen(l)),
            s @ CircuitShape::Report(r) => match r.layout {
                ReportLayout::V1 => keygen(params, s, &ReportCircuitV1::keygen(r)),
                ReportLayout::V2 => keygen(params, s, &ReportCircuitV2::keygen(r)),
                ReportLayout::V3 => keygen(params, s, &ReportCircuitV3::keygen(r)),
            },
        }
    }

    /// The circuit this key verifies.
    pub fn shape(&self) -> CircuitShape {
        self.shape
    }

    /// halo2's verifying key.
    pub fn vk(&self) -> &VerifyingKey<Curve> {
        &self.vk
    }

    /// Fingerprint of the verifying key, shape and statement version.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The exact length of every proof for this key, in bytes.
    pub fn proof_len(&self) -> usize {
        self.proof_len
    }

    /// The exact length of a proof of `circuits` circuits of this key at once (halo2 proves
    /// several circuits of one key in one proof, sharing its vanishing and opening arguments).
    /// `None` for 0 circuits or a length beyond `usize`.
    pub fn proof_len_of(&self, circuits: usize) -> Option<usize> {
        let more = circuits.checked_sub(1)?;
        more.checked_mul(self.proof_len_per_circuit)?
            .checked_add(self.proof_len)
    }
}

/// Everything needed to prove statements of one circuit shape.
#[derive(Clone, Debug)]
pub struct ProverKey {
    verifier: VerifierKey,
    pk: ProvingKey<Curve>,
}

impl ProverKey {
    /// Builds the proving key of `shape` from the circuit.
    pub fn build(params: &Params<Curve>, shape: impl Into<CircuitShape>) -> Result<Self, KeyError> {
        let shape = shape.into();
        let verifier = VerifierKey::build(params, shape)?;
        let pk = match shape {
            CircuitShape::Health(h) => {
                keygen_pk(params, verifier.vk.clone(), &HealthCircuit::keygen(h))
            }
            CircuitShape::Batch(b) => {
                keygen_pk(params, verifier.vk.clone(), &BatchCircuit::keygen(b))
            }
            CircuitShape::Liquidation(l) => {
                keygen_pk(params, verifier.vk.clone(), &LiquidationCircuit::keygen(l))
            }
            CircuitShape::Report(r) => match r.layout {
                ReportLayout::V1 => {
                    keygen_pk(params, verifier.vk.clone(), &ReportCircuitV1::keygen(r))
                }
                ReportLayout::V2 => {
                    keygen_pk(params, verifier.vk.clone(), &ReportCircuitV2::keygen(r))
                }
                ReportLayout::V3 => {
                    keygen_pk(params, verifier.vk.clone(), &ReportCircuitV3::keygen(r))
                }
            },
        }
        .map_err(|cause| KeyError::Keygen { shape, cause })?;
        Ok(ProverKey { verifier, pk })
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// halo2's proving key.
    pub fn pk(&self) -> &ProvingKey<Curve> {
        &self.pk
    }
}

/// BLAKE2b-256 over the statement version, the proof-system version, the shape, `k` and the
/// pinned verifying key (its domain, constraint system, fixed and permutation commitments).
pub fn fingerprint(vk: &VerifyingKey<Curve>, shape: CircuitShape) -> Fingerprint {
    let mut state = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"zkliq-vk-fp-v1\0\0")
        .to_state();
    let (statement, circuit) = match shape {
        CircuitShape::Health(s) => (STATEMENT_VERSION, format!("shape {}", s.assets())),
        // Format-1 batches keep the header (and so the fingerprint) they were released with.
        CircuitShape::Batch(b) if b.is_legacy() => (
            STATEMENT_VERSION,
            format!(
                "batch of {} positions, tree depth {}, shape {}",
                b.positions(),
                b.tree.depth(),
                b.assets.assets()
            ),
        ),
        CircuitShape::Batch(b) => (
            STATE_STATEMENT_VERSION,
            format!(
                "batch of {} positions, tree format 2 of depth {}, shape {}",
                b.positions(),
                b.tree.depth(),
                b.assets.assets()
            ),
        ),
        CircuitShape::Liquidation(l) => (
            LIQUIDATION_STATEMENT_VERSION,
            format!(
                "liquidation, tree format 2 of depth {}, shape {}",
                l.tree.depth(),
                l.assets.assets()
            ),
        ),
        CircuitShape::Report(r) => (
            REPORT_STATEMENT_VERSION,
            format!(
                "report piece of {} positions, {} edges, tree format 2 of depth {}, shape {}{}",
                r.positions(),
                r.edges,
                r.batch.tree.depth(),
                r.batch.assets.assets(),
                // Layout 1 keeps the header (and so the fingerprint) it was released with.
                match r.layout {
                    ReportLayout::V1 => String::new(),
                    layout => format!(", layout {}", layout.number()),
                }
            ),
        ),
    };
    let header = format!(
        "{statement}\nhalo2_proofs {HALO2_PROOFS_VERSION}\n{circuit}\nk {}\n",
        shape.k()
    );
    state.update(header.as_bytes());
    state.update(format!("{:?}", vk.pinned()).as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(state.finalize().as_bytes());
    Fingerprint(out)
}
