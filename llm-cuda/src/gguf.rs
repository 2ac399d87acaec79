//! GGUF v2/v3 reader over a memory map (or bytes in memory): metadata, tensor directory and
//! tensor data.
//!
//! Every malformed input gives a [`GgufError`]; nothing here panics on file contents, and no length
//! field makes it reserve more memory than the input could hold (`ambient-fuzz` checks both).

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

const MAGIC: &[u8; 4] = b"GGUF";
const DEFAULT_ALIGNMENT: u64 = 32;
/// Upper bounds that keep a hostile header from making us allocate absurd amounts.
const MAX_STRING_LEN: u64 = 1 << 30;
const MAX_ARRAY_LEN: u64 = 1 << 28;
const MAX_TENSORS: u64 = 1 << 20;
const MAX_KV: u64 = 1 << 20;
const MAX_DIMS: u32 = 4;

/// Errors from reading a GGUF file.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file could not be opened or mapped.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The first four bytes are not `GGUF`.
    #[error("not a GGUF file: wrong magic {0:02x?}")]
    BadMagic([u8; 4]),
    /// A GGUF version this reader does not handle.
    #[error("unsupported GGUF version {0} (supported: 2, 3)")]
    UnsupportedVersion(u32),
    /// The file ends before a field it announces.
    #[error(
        "truncated GGUF file: need {needed} bytes at offset {offset} for {what}, file has {len}"
    )]
    Truncated {
        /// What was being read.
        what: String,
        /// Where.
        offset: u64,
        /// How many bytes.
        needed: u64,
        /// The file length.
        len: u64,
    },
    /// A structurally invalid header field.
    #[error("malformed GGUF header: {0}")]
    Malformed(String),
    /// A tensor type we cannot compute with.
    #[error("unsupported tensor type {type_name} in tensor {tensor}")]
    UnsupportedTensorType {
        /// The tensor.
        tensor: String,
        /// The ggml type (name or number).
        type_name: String,
    },
    /// A tensor whose data lies outside the file or is misaligned.
    #[error("tensor {tensor}: {reason}")]
    BadTensor {
        /// The tensor.
        tensor: String,
        /// What is wrong.
        reason: String,
    },
    /// A tensor the model needs is not in the file.
    #[error("missing tensor {0}")]
    MissingTensor(String),
    /// A metadata key the model needs is absent.
    #[error("missing metadata key {0}")]
    MissingKey(String),
    /// A metadata key has a different type than expected.
    #[error("metadata key {key}: expected {expected}, found {found}")]
    WrongType {
        /// The key.
        key: String,
        /// The expected type.
        expected: &'static str,
        /// What the file has.
        found: String,
    },
}

/// Tensor element types of ggml that this engine computes with (named as ggml names them).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TensorType {
    /// 32-bit float.
    F32,
    /// 16-bit IEEE float.
    F16,
    /// 4-bit, 32 per block, scale only.
    Q4_0,
    /// 4-bit, 32 per block, scale and minimum.
    Q4_1,
    /// 8-bit, 32 per block, scale only.
    Q8_0,
    /// 5-bit, 32 per block, scale only.
    Q5_0,
    /// 5-bit, 32 per block, scale and minimum.
    Q5_1,
    /// 4-bit K-quant: super-blocks of 256, 6-bit scales and minimums per 32.
    Q4_K,
    /// 5-bit K-quant: super-blocks of 256, 6-bit scales and minimums per 32.
    Q5_K,
    /// 6-bit K-quant: super-blocks of 256, 8-bit scales per 16.
    Q6_K,
    /// bfloat16.
    BF16,
}

impl TensorType {
    /// Maps a ggml type number to a supported type, or names the unsupported one.
    pub fn from_ggml(id: u32) -> Result<Self, &'static str> {
        Ok(match id {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            8 => Self::Q8_0,
            6 => Self::Q5_0,
            7 => Self::Q5_1,
            12 => Self::Q4_K,
            13 => Self::Q5_K,
            14 => Self::Q6_K,
            30 => Self::BF16,
            9 => return Err("Q8_1"),
            10 => return Err("Q2_K"),
            11 => return Err("Q3_K"),
            15 => return Err("Q8_K"),
            16..=23 => return Err("IQ (importance) quantisation"),
            24 => return Err("I8"),
            25 => return Err("I16"),
            26 => return Err("I32"),
            27 => return Err("I64"),
            28 => return Err("F64"),
            29 => return Err("IQ1_M"),
            _ => return Err("unknown"),
        })
    }

    /// The ggml type number.
    pub fn ggml_id(self) -> u32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q4_0 => 2,
            Self::Q4_1 => 3,
            Self::Q8_0 => 8,
            Self::Q5_0 => 6,
            Self::Q5_1 => 7,
            Self::Q4_K => 12,
            Self::Q5_K => 13,
            Self::Q6_K => 14,
            Self::BF16 => 30,
        }
    }

    /// Elements per block.
    pub fn block_elems(self) -> u64 {
        match self {
            Self::F32 | Self::F16 | Self::BF16 => 1,
            Self::Q4_0 | Self::Q4_1 | Self::Q8_0 | Self::Q5_0 | Self::Q5_1 => 32,
            Self::Q4_K | Self::Q5_K | Self::Q6_K => 256,
        }
    }

    /// Bytes per block.
    pub fn block_bytes(self) -> u64 {
        match self {
            Self::F32 => 4,
            Self::F16 => 2,
            Self::Q4_0 => 18,
            Self::Q4_1 => 20,
            Self::Q8_0 => 34,
            Self::Q5_0 => 22,
            Self::Q5_1 => 24,
            Self::Q4_K => 144,
            Self::Q5_K => 176,
            Self::Q6_K => 210,
            Self::BF16 => 2,
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A metadata value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// u8
    U8(u8),
    /// i8
    I8(i8),
    /// u16
    U16(u16),
    /// i16
    I16(i16),
    /// u32
    U32(u32),
    /// i32
    I32(i32),
    /// f32
    F32(f32),
    /// bool
    Bool(bool),
    /// UTF-8 string
    String(String),
    /// Array of values (all of one type).
    Array(Vec<Value>),
    /// u64
    U64(u64),
    /// i64
    I64(i64),
    /// f64
    F64(f64),
}

impl Value {
    fn type_name(&self) -> String {
        match self {
            Value::U8(_) => "u8".into(),
            Value::I8(_) => "i8".into(),
            Value::U16(_) => "u16".into(),
            Value::I16(_) => "i16".into(),
            Value::U32(_) => "u32".into(),
            Value::I32(_) => "i32".into(),
            Value::F32(_) => "f32".into(),
            Value::Bool(_) => "bool".into(),
            Value::String(_) => "string".into(),
            Value::Array(_) => "array".into(),
            Value::U64(_) => "u64".into(),
            Value::I64(_) => "i64".into(),
            Value::F64(_) => "f64".into(),
        }
    }

    /// The value as an unsigned integer, if it is a non-negative integer of any width.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::U8(v) => Some(v.into()),
            Value::U16(v) => Some(v.into()),
            Value::U32(v) => Some(v.into()),
            Value::U64(v) => Some(v),
            Value::I8(v) => u64::try_from(v).ok(),
            Value::I16(v) => u64::try_from(v).ok(),
            Value::I32(v) => u64::try_from(v).ok(),
            Value::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// The value as a float, if it is a float.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v.into()),
            Value::F64(v) => Some(v),
            _ => None,
        }
    }
}

/// One entry of the tensor directory.
#[derive(Clone, Debug)]
pub struct TensorInfo {
    /// Tensor name.
    pub name: String,
    /// Dimensions, fastest-moving first (ggml order).
    pub dims: Vec<u64>,
    /// Element type.
    pub ty: TensorType,
    /// Offset of the data from the start of the file.
    pub file_offset: u64,
    /// Size of the data in bytes.
    pub size: u64,
}

impl TensorInfo {
    /// Number of elements.
    pub fn elems(&self) -> u64 {
        self.dims.iter().product()
    }
}

/// Where a parsed image's bytes live.
enum Storage {
    /// A memory-mapped file.
    Mmap(Mmap),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

impl std::ops::Deref for Storage {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Storage::Mmap(m) => m,
            Storage::Bytes(b) => b,
        }
    }
}

/// An opened GGUF file.
pub struct Gguf {
    data: Storage,
    /// Format version (2 or 3).
    pub version: u32,
    /// Metadata, by key.
    pub metadata: BTreeMap<String, Value>,
    /// Tensor directory, in file order.
    pub tensors: Vec<TensorInfo>,
    by_name: BTreeMap<String, usize>,
}

impl fmt::Debug for Gguf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gguf")
            .field("version", &self.version)
            .field("metadata_keys", &self.metadata.len())
            .field("tensors", &self.tensors.len())
            .finish()
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: u64,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64, what: &str) -> Result<&'a [u8], GgufError> {
        let len = self.buf.len() as u64;
        let end = self.pos.checked_add(n).filter(|&e| e <= len);
        match end {
            Some(end) => {
                let s = &self.buf[self.pos as usize..end as usize];
                self.pos = end;
                Ok(s)
            }
            None => Err(GgufError::Truncated {
                what: what.to_string(),
                offset: self.pos,
                needed: n,
                len,
            }),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], GgufError> {
        let s = self.take(N as u64, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u32(&mut self, what: &str) -> Result<u32, GgufError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64, GgufError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn string(&mut self, what: &str) -> Result<String, GgufError> {
        let len = self.u64(what)?;
        if len > MAX_STRING_LEN {
            return Err(GgufError::Malformed(format!(
                "{what}: string length {len} is too large"
            )));
        }
        let bytes = self.take(len, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| GgufError::Malformed(format!("{what}: string is not valid UTF-8")))
    }

    fn value(&mut self, ty: u32, what: &str, depth: u32) -> Result<Value, GgufError> {
        Ok(match ty {
            0 => Value::U8(self.array::<1>(what)?[0]),
            1 => Value::I8(self.array::<1>(what)?[0] as i8),
            2 => Value::U16(u16::from_le_bytes(self.array(what)?)),
            3 => Value::I16(i16::from_le_bytes(self.array(what)?)),
            4 => Value::U32(self.u32(what)?),
            5 => Value::I32(i32::from_le_bytes(self.array(what)?)),
            6 => Value::F32(f32::from_le_bytes(self.array(what)?)),
            7 => match self.array::<1>(what)?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => {
                    return Err(GgufError::Malformed(format!(
                        "{what}: invalid bool byte {b}"
                    )))
                }
            },
            8 => Value::String(self.string(what)?),
            9 => {
                if depth > 2 {
                    return Err(GgufError::Malformed(format!(
                        "{what}: arrays nested too deeply"
                    )));
                }
                let elem_ty = self.u32(what)?;
                let n = self.u64(what)?;
                if n > MAX_ARRAY_LEN {
                    return Err(GgufError::Malformed(format!(
                        "{what}: array length {n} is too large"
                    )));
                }
                // Each element takes at least one byte: a length beyond the file is truncation.
                let remaining = self.buf.len() as u64 - self.pos;
                if n > remaining {
                    return Err(GgufError::Truncated {
                        what: what.to_string(),
                        offset: self.pos,
                        needed: n,
                        len: self.buf.len() as u64,
                    });
                }
                let mut v = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    v.push(self.value(elem_ty, what, depth + 1)?);
                }
                Value::Array(v)
            }
            10 => Value::U64(self.u64(what)?),
            11 => Value::I64(i64::from_le_bytes(self.array(what)?)),
            12 => Value::F64(f64::from_le_bytes(self.array(what)?)),
            t => {
                return Err(GgufError::Malformed(format!(
                    "{what}: unknown value type {t}"
                )))
            }
        })
    }
}

impl Gguf {
    /// Opens and memory-maps a GGUF file, parsing and validating its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, GgufError> {
        let path = path.as_ref();
        let io = |source| GgufError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        // SAFETY: the map is read-only; the model file is not modified while the engine runs
        // (the same contract as llama.cpp and candle). Contents are validated before use.
        let mmap = unsafe { Mmap::map(&file) }.map_err(io)?;
        Self::from_mmap(mmap)
    }

    /// Parses a GGUF image held in a memory map.
    pub fn from_mmap(mmap: Mmap) -> Result<Self, GgufError> {
        Self::from_storage(Storage::Mmap(mmap))
    }

    /// Parses a GGUF image held in memory (the same checks as [`Gguf::open`]).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, GgufError> {
        Self::from_storage(Storage::Bytes(bytes))
    }

    fn from_storage(data: Storage) -> Result<Self, GgufError> {
        let (version, metadata, tensors) = parse(&data)?;
        let mut by_name = BTreeMap::new();
        for (i, t) in tensors.iter().enumerate() {
            if by_name.insert(t.name.clone(), i).is_some() {
                return Err(GgufError::Malformed(format!(
                    "duplicate tensor name {}",
                    t.name
                )));
            }
        }
        Ok(Self {
            data,
            version,
            metadata,
            tensors,
            by_name,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// A tensor's directory entry.
    pub fn tensor(&self, name: &str) -> Result<&TensorInfo, GgufError> {
        self.by_name
            .get(name)
            .map(|&i| &self.tensors[i])
            .ok_or_else(|| GgufError::MissingTensor(name.to_string()))
    }

    /// A tensor's raw data bytes.
    pub fn tensor_data(&self, info: &TensorInfo) -> &[u8] {
        // Bounds were checked when the directory was parsed.
        &self.data[info.file_offset as usize..(info.file_offset + info.size) as usize]
    }

    /// A metadata value.
    pub fn get(&self, key: &str) -> Result<&Value, GgufError> {
        self.metadata
            .get(key)
            .ok_or_else(|| GgufError::MissingKey(key.to_string()))
    }

    /// A metadata value that must be a non-negative integer.
    pub fn get_u64(&self, key: &str) -> Result<u64, GgufError> {
        let v = self.get(key)?;
        v.as_u64().ok_or_else(|| GgufError::WrongType {
            key: key.to_string(),
            expected: "unsigned integer",
            found: v.type_name(),
        })
    }

    /// A metadata value that must be a float.
    pub fn get_f64(&self, key: &str) -> Result<f64, GgufError> {
        let v = self.get(key)?;
        v.as_f64().ok_or_else(|| GgufError::WrongType {
            key: key.to_string(),
            expected: "float",
            found: v.type_name(),
        })
    }

    /// A metadata value that must be a string.
    pub fn get_str(&self, key: &str) -> Result<&str, GgufError> {
        match self.get(key)? {
            Value::String(s) => Ok(s),
            v => Err(GgufError::WrongType {
                key: key.to_string(),
                expected: "string",
                found: v.type_name(),
            }),
        }
    }

    /// A metadata value that must be an array.
    pub fn get_array(&self, key: &str) -> Result<&[Value], GgufError> {
        match self.get(key)? {
            Value::Array(a) => Ok(a),
            v => Err(GgufError::WrongType {
                key: key.to_string(),
                expected: "array",
                found: v.type_name(),
            }),
        }
    }

    /// A metadata value that must be an array of strings.
    pub fn get_str_array(&self, key: &str) -> Result<Vec<&str>, GgufError> {
        self.get_array(key)?
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.as_str()),
                v => Err(GgufError::WrongType {
                    key: key.to_string(),
                    expected: "array of strings",
                    found: format!("array containing {}", v.type_name()),
                }),
            })
            .collect()
    }
}

type Parsed = (u32, BTreeMap<String, Value>, Vec<TensorInfo>);

fn parse(buf: &[u8]) -> Result<Parsed, GgufError> {
    let mut r = Reader { buf, pos: 0 };
    let magic: [u8; 4] = r.array("magic")?;
    if &magic != MAGIC {
        return Err(GgufError::BadMagic(magic));
    }
    let version = r.u32("version")?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::UnsupportedVersion(version));
    }
    let n_tensors = r.u64("tensor count")?;
    let n_kv = r.u64("metadata count")?;
    if n_tensors > MAX_TENSORS {
        return Err(GgufError::Malformed(format!(
            "tensor count {n_tensors} is too large"
        )));
    }
    if n_kv > MAX_KV {
        return Err(GgufError::Malformed(format!(
            "metadata count {n_kv} is too large"
        )));
    }
    let mut metadata = BTreeMap::new();
    for i in 0..n_kv {
        let key = r.string(&format!("metadata key #{i}"))?;
        let ty = r.u32(&format!("type of metadata {key}"))?;
        let value = r.value(ty, &format!("metadata {key}"), 0)?;
        if metadata.insert(key.clone(), value).is_some() {
            return Err(GgufError::Malformed(format!(
                "duplicate metadata key {key}"
            )));
        }
    }
    let alignment = match metadata.get("general.alignment") {
        None => DEFAULT_ALIGNMENT,
        Some(v) => match v.as_u64() {
            Some(a) if a > 0 && a.is_power_of_two() && a <= 1 << 16 => a,
            _ => {
                return Err(GgufError::Malformed(format!(
                    "general.alignment must be a power of two, found {v:?}"
                )))
            }
        },
    };

    struct Raw {
        name: String,
        dims: Vec<u64>,
        ty: u32,
        offset: u64,
    }
    // Reserve no more entries than the rest of the file can hold (name length, one dimension
    // count, one dimension, type and offset: 32 bytes at least), whatever the count claims.
    let room = (buf.len() as u64 - r.pos) / 32;
    let mut raws = Vec::with_capacity(n_tensors.min(room) as usize);
    for i in 0..n_tensors {
        let name = r.string(&format!("name of tensor #{i}"))?;
        let n_dims = r.u32(&format!("dimension count of tensor {name}"))?;
        if n_dims == 0 || n_dims > MAX_DIMS {
            return Err(GgufError::BadTensor {
                tensor: name,
                reason: format!("{n_dims} dimensions (supported: 1 to {MAX_DIMS})"),
            });
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(r.u64(&format!("dimensions of tensor {name}"))?);
        }
        let ty = r.u32(&format!("type of tensor {name}"))?;
        let offset = r.u64(&format!("offset of tensor {name}"))?;
        raws.push(Raw {
            name,
            dims,
            ty,
            offset,
        });
    }
    let data_start = r.pos.div_ceil(alignment) * alignment;
    let file_len = buf.len() as u64;

    let mut tensors = Vec::with_capacity(raws.len());
    for raw in raws {
        let bad = |reason: String| GgufError::BadTensor {
            tensor: raw.name.clone(),
            reason,
        };
        let ty = TensorType::from_ggml(raw.ty).map_err(|n| GgufError::UnsupportedTensorType {
            tensor: raw.name.clone(),
            type_name: format!("{n} (ggml type {})", raw.ty),
        })?;
        let elems = raw
            .dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| bad(format!("dimensions {:?} overflow", raw.dims)))?;
        if raw.dims.contains(&0) {
            return Err(bad(format!("zero-sized dimension in {:?}", raw.dims)));
        }
        if raw.dims[0] % ty.block_elems() != 0 {
            return Err(bad(format!(
                "first dimension {} is not a multiple of the {ty} block size {}",
                raw.dims[0],
                ty.block_elems()
            )));
        }
        // Checked: dimensions whose product fits in u64 can still overflow in bytes (and a
        // wrapped size would accept a huge tensor backed by a few bytes).
        let size = (elems / ty.block_elems())
            .checked_mul(ty.block_bytes())
            .ok_or_else(|| bad(format!("size of dimensions {:?} overflows", raw.dims)))?;
        if raw.offset % alignment != 0 {
            return Err(bad(format!(
                "data offset {} is not aligned to {alignment}",
                raw.offset
            )));
        }
        let file_offset = data_start
            .checked_add(raw.offset)
            .ok_or_else(|| bad("data offset overflows".into()))?;
        let end = file_offset
            .checked_add(size)
            .ok_or_else(|| bad("data end overflows".into()))?;
        if end > file_len {
            return Err(bad(format!(
                "data [{file_offset}, {end}) lies beyond the end of the file ({file_len} bytes)"
            )));
        }
        tensors.push(TensorInfo {
            name: raw.name,
            dims: raw.dims,
            ty,
            file_offset,
            size,
        });
    }
    // Tensors must not overlap one another.
    let mut spans: Vec<(u64, u64, &str)> = tensors
        .iter()
        .map(|t| (t.file_offset, t.file_offset + t.size, t.name.as_str()))
        .collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(GgufError::BadTensor {
                tensor: w[1].2.to_string(),
                reason: format!("data overlaps tensor {}", w[0].2),
            });
        }
    }
    Ok((version, metadata, tensors))
}

/// Writes GGUF files: used by tests (perturbed and malformed models) and tools.
pub mod writer {
    use super::{TensorType, Value};

    /// A tensor to write.
    pub struct TensorOut<'a> {
        /// Name.
        pub name: &'a str,
        /// Dimensions, fastest-moving first.
        pub dims: &'a [u64],
        /// Element type.
        pub ty: TensorType,
        /// Raw data (already in the type's block layout).
        pub data: &'a [u8],
    }

    fn put_str(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }

    fn put_value(out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::U8(x) => out.push(*x),
            Value::I8(x) => out.push(*x as u8),
            Value::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::Bool(x) => out.push(u8::from(*x)),
            Value::String(s) => put_str(out, s),
            Value::Array(a) => {
                let elem_ty = a.first().map(type_id).unwrap_or(4);
                out.extend_from_slice(&elem_ty.to_le_bytes());
                out.extend_from_slice(&(a.len() as u64).to_le_bytes());
                for e in a {
                    put_value(out, e);
                }
            }
            Value::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::F64(x) => out.extend_from_slice(&x.to_le_bytes()),
        }
    }

    fn type_id(v: &Value) -> u32 {
        match v {
            Value::U8(_) => 0,
            Value::I8(_) => 1,
            Value::U16(_) => 2,
            Value::I16(_) => 3,
            Value::U32(_) => 4,
            Value::I32(_) => 5,
            Value::F32(_) => 6,
            Value::Bool(_) => 7,
            Value::String(_) => 8,
            Value::Array(_) => 9,
            Value::U64(_) => 10,
            Value::I64(_) => 11,
            Value::F64(_) => 12,
        }
    }

    /// Serialises a GGUF v3 image with 32-byte alignment.
    pub fn write(metadata: &[(&str, Value)], tensors: &[TensorOut<'_>]) -> Vec<u8> {
        const ALIGN: usize = 32;
        let mut out = Vec::new();
        out.extend_from_slice(b"GGUF");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(metadata.len() as u64).to_le_bytes());
        for (k, v) in metadata {
            put_str(&mut out, k);
            out.extend_from_slice(&type_id(v).to_le_bytes());
            put_value(&mut out, v);
        }
        let mut offset = 0usize;
        for t in tensors {
            put_str(&mut out, t.name);
            out.extend_from_slice(&(t.dims.len() as u32).to_le_bytes());
            for d in t.dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&t.ty.ggml_id().to_le_bytes());
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            offset += t.data.len().div_ceil(ALIGN) * ALIGN;
        }
        out.resize(out.len().div_ceil(ALIGN) * ALIGN, 0);
        for t in tensors {
            out.extend_from_slice(t.data);
            out.resize(out.len().div_ceil(ALIGN) * ALIGN, 0);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::writer::{write, TensorOut};
    use super::*;
    use std::io::Write;

    fn open_bytes(bytes: &[u8]) -> Result<Gguf, GgufError> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        Gguf::open(f.path())
    }

    fn sample() -> Vec<u8> {
        let data: Vec<u8> = (0..64u32).flat_map(|i| (i as f32).to_le_bytes()).collect();
        let q8: Vec<u8> = vec![7u8; 34 * 2];
        write(
            &[
                ("general.architecture", Value::String("llama".into())),
                ("n", Value::U32(5)),
                (
                    "list",
                    Value::Array(vec![Value::String("a".into()), Value::String("b".into())]),
                ),
            ],
            &[
                TensorOut {
                    name: "a",
                    dims: &[16, 4],
                    ty: TensorType::F32,
                    data: &data,
                },
                TensorOut {
                    name: "b",
                    dims: &[64],
                    ty: TensorType::Q8_0,
                    data: &q8,
                },
            ],
        )
    }

    #[test]
    fn round_trip() {
        let g = open_bytes(&sample()).unwrap();
        assert_eq!(g.version, 3);
        assert_eq!(g.get_str("general.architecture").unwrap(), "llama");
        assert_eq!(g.get_u64("n").unwrap(), 5);
        assert_eq!(g.get_str_array("list").unwrap(), vec!["a", "b"]);
        let a = g.tensor("a").unwrap();
        assert_eq!(a.elems(), 64);
        assert_eq!(&g.tensor_data(a)[4..8], &1f32.to_le_bytes());
        let b = g.tensor("b").unwrap();
        assert_eq!(b.size, 68);
        assert!(g.tensor_data(b).iter().all(|&x| x == 7));
        assert!(matches!(g.tensor("c"), Err(GgufError::MissingTensor(_))));
        assert!(matches!(g.get("zz"), Err(GgufError::MissingKey(_))));
        assert!(matches!(g.get_str("n"), Err(GgufError::WrongType { .. })));
    }

    #[test]
    fn wrong_magic() {
        let mut b = sample();
        b[0] = b'X';
        assert!(matches!(open_bytes(&b), Err(GgufError::BadMagic(_))));
    }

    #[test]
    fn unsupported_version() {
        let mut b = sample();
        b[4] = 1;
        assert!(matches!(
            open_bytes(&b),
            Err(GgufError::UnsupportedVersion(1))
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = sample();
        let g = open_bytes(&b).unwrap();
        // Bytes after the last tensor's data are alignment padding; everything before is needed.
        let data_end = g
            .tensors
            .iter()
            .map(|t| t.file_offset + t.size)
            .max()
            .unwrap() as usize;
        for len in 0..data_end {
            let err = open_bytes(&b[..len]);
            assert!(err.is_err(), "truncated to {len} bytes was accepted");
        }
    }

    #[test]
    fn bad_offset() {
        let data = vec![0u8; 64];
        let mut b = write(
            &[],
            &[TensorOut {
                name: "t",
                dims: &[16],
                ty: TensorType::F32,
                data: &data,
            }],
        );
        // The offset field is the 8 bytes right before the data area's padding.
        let name_end = 24 + 8 + 1 + 4 + 8 + 4;
        b[name_end..name_end + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let e = open_bytes(&b).unwrap_err();
        assert!(e.to_string().contains("beyond the end"), "{e}");
        b[name_end..name_end + 8].copy_from_slice(&3u64.to_le_bytes());
        let e = open_bytes(&b).unwrap_err();
        assert!(e.to_string().contains("not aligned"), "{e}");
    }

    #[test]
    fn unsupported_type_is_named() {
        let data = vec![0u8; 64];
        let mut b = write(
            &[],
            &[TensorOut {
                name: "weights.q4k",
                dims: &[16],
                ty: TensorType::F32,
                data: &data,
            }],
        );
        let ty_at = 24 + 8 + "weights.q4k".len() + 4 + 8;
        b[ty_at..ty_at + 4].copy_from_slice(&11u32.to_le_bytes());
        let e = open_bytes(&b).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unsupported tensor type Q3_K (ggml type 11) in tensor weights.q4k"
        );
    }

    #[test]
    fn inconsistent_shape() {
        let data = vec![0u8; 34];
        let e = open_bytes(&write(
            &[],
            &[TensorOut {
                name: "t",
                dims: &[33],
                ty: TensorType::Q8_0,
                data: &data,
            }],
        ))
        .unwrap_err();
        assert!(e.to_string().contains("not a multiple"), "{e}");
    }

    #[test]
    fn from_bytes_parses_like_open() {
        let b = sample();
        let (m, v) = (
            open_bytes(&b).unwrap(),
            Gguf::from_bytes(b.clone()).unwrap(),
        );
        assert_eq!((m.version, &m.metadata), (v.version, &v.metadata));
        assert_eq!(m.tensors.len(), v.tensors.len());
        for (a, t) in m.tensors.iter().zip(&v.tensors) {
            assert_eq!((&a.name, &a.dims, a.ty), (&t.name, &t.dims, t.ty));
            assert_eq!((a.file_offset, a.size), (t.file_offset, t.size));
            assert_eq!(m.tensor_data(a), v.tensor_data(t));
        }
        assert_eq!(v.bytes(), &b[..]);
        let mut bad = b;
        bad[0] = b'X';
        assert!(matches!(Gguf::from_bytes(bad), Err(GgufError::BadMagic(_))));
    }

    /// Found by `ambient-fuzz` (fuzz/regressions/gguf): dimensions whose product fits in u64 but
    /// whose byte size does not wrapped to a small size, so a 2^63-element tensor was accepted
    /// with 64 bytes of data.
    #[test]
    fn byte_size_overflow_is_an_error() {
        let data = vec![0u8; 64];
        let e = Gguf::from_bytes(write(
            &[],
            &[TensorOut {
                name: "t",
                dims: &[8, (1 << 60) + 2],
                ty: TensorType::F32,
                data: &data,
            }],
        ))
        .unwrap_err();
        assert!(e.to_string().contains("size of dimensions"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = open_bytes(&bytes);
        }

        #[test]
        fn mutated_headers_never_panic(pos in 0usize..200, val in proptest::num::u8::ANY) {
            let mut b = sample();
            let pos = pos % b.len();
            b[pos] = val;
            let _ = open_bytes(&b);
        }
    }
}
