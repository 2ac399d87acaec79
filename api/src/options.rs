//! The parts of OpenAI's chat request beyond the prompt and the sampler: `stop` sequences (applied
//! to the answer's text, the verified tokens unchanged), `n`, and the fields the API ignores or
//! refuses. A field the API cannot honour is refused with a 400 naming it rather than silently
//! dropped; the ignored ones change nothing an answer could depend on.

use serde_json::{Map, Value};

use crate::openai::ApiError;

/// Most stop sequences (OpenAI's limit).
const MAX_STOPS: usize = 4;

/// Fields accepted and ignored: bookkeeping on OpenAI's side that changes no answer.
const IGNORED: [&str; 7] = [
    "user",
    "metadata",
    "store",
    "service_tier",
    "parallel_tool_calls",
    "prompt_cache_key",
    "safety_identifier",
];

/// Fields refused: features the network does not serve.
const REFUSED: [&str; 12] = [
    "tools",
    "tool_choice",
    "functions",
    "function_call",
    "logit_bias",
    "top_logprobs",
    "audio",
    "modalities",
    "prediction",
    "web_search_options",
    "reasoning_effort",
    "response_format",
];

/// Checks the request's fields beyond those the API reads (`extra`), and `n` and `logprobs`.
pub(crate) fn check_fields(
    extra: &Map<String, Value>,
    n: Option<u32>,
    logprobs: Option<bool>,
) -> Result<(), ApiError> {
    if n.is_some_and(|n| n != 1) {
        return Err(ApiError::invalid(
            "n must be 1: each answer is one auction on chain; send one request per answer".into(),
        ));
    }
    if logprobs == Some(true) {
        return Err(ApiError::invalid(
            "logprobs are not served: answers carry their Proof of Logits receipt instead".into(),
        ));
    }
    for (field, value) in extra {
        let f = field.as_str();
        if IGNORED.contains(&f) || value.is_null() {
            continue;
        }
        let harmless = match f {
            "frequency_penalty" | "presence_penalty" => value.as_f64() == Some(0.0),
            "response_format" => value.get("type").and_then(Value::as_str) == Some("text"),
            "tools" | "functions" => value.as_array().is_some_and(Vec::is_empty),
            _ => false,
        };
        if harmless {
            continue;
        }
        let why = if REFUSED.contains(&f) || f.ends_with("_penalty") {
            format!("{f} is not supported by this network's model and sampler")
        } else {
            format!("unknown field {f:?}")
        };
        return Err(ApiError::invalid(why));
    }
    Ok(())
}

/// The request's stop sequences.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stops(Vec<String>);

impl Stops {
    /// `stop`: absent, a string, or up to four strings; none empty.
    pub(crate) fn parse(stop: Option<&Value>) -> Result<Stops, ApiError> {
        let bad = || {
            ApiError::invalid(format!(
                "stop must be a string or a list of up to {MAX_STOPS} non-empty strings"
            ))
        };
        let list: Vec<String> = match stop {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad()),
        };
        if list.len() > MAX_STOPS || list.iter().any(String::is_empty) {
            return Err(bad());
        }
        Ok(Stops(list))
    }

    /// Where the text ends: the byte offset of the earliest stop sequence in it, if any.
    pub(crate) fn cut(&self, text: &str) -> Option<usize> {
        self.0.iter().filter_map(|s| text.find(s.as_str())).min()
    }

    /// The length of the longest end of `text` that begins some stop sequence (held back while
    /// streaming, since the next piece may complete it).
    fn partial(&self, text: &str) -> usize {
        self.0
            .iter()
            .flat_map(|s| {
                (1..s.len())
                    .filter(|&k| k <= text.len() && s.is_char_boundary(k))
                    .filter(|&k| text.ends_with(&s[..k]))
            })
            .max()
            .unwrap_or(0)
    }
}

/// Applies stop sequences to an answer streamed piece by piece: text that may begin a stop
/// sequence is held back until the next piece decides it.
#[derive(Debug, Default)]
pub(crate) struct StopStream {
    stops: Stops,
    held: String,
    stopped: bool,
}

impl StopStream {
    pub(crate) fn new(stops: Stops) -> StopStream {
        StopStream {
            stops,
            held: String::new(),
            stopped: false,
        }
    }

    /// The text that can be sent now, given the next `piece`.
    pub(crate) fn push(&mut self, piece: &str) -> String {
        if self.stopped {
            return String::new();
        }
        self.held.push_str(piece);
        if let Some(end) = self.stops.cut(&self.held) {
            self.stopped = true;
            let out = self.held[..end].to_string();
            self.held.clear();
            return out;
        }
        let keep = self.stops.partial(&self.held);
        let out = self.held[..self.held.len() - keep].to_string();
        self.held.drain(..self.held.len() - keep);
        out
    }

    /// Whether a stop sequence ended the answer.
    #[cfg(test)]
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// What was held back, once the answer is complete without a stop.
    pub(crate) fn finish(&mut self) -> String {
        std::mem::take(&mut self.held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stops(v: Value) -> Stops {
        Stops::parse(Some(&v)).unwrap()
    }

    #[test]
    fn stop_takes_a_string_or_up_to_four_and_cuts_at_the_earliest() {
        assert!(Stops::parse(Some(&json!(["a", "b", "c", "d", "e"]))).is_err());
        assert!(Stops::parse(Some(&json!([""]))).is_err());
        assert!(Stops::parse(Some(&json!(7))).is_err());
        assert!(Stops::parse(Some(&json!([1]))).is_err());
        let s = stops(json!(["four", "\n"]));
        assert_eq!(s.cut("one two\nthree four"), Some(7));
        assert_eq!(stops(json!("x")).cut("abc"), None);
    }

    #[test]
    fn a_stream_holds_back_what_may_begin_a_stop_and_never_sends_past_it() {
        let mut st = StopStream::new(stops(json!(["END!", "éé"])));
        let pieces = ["Hello E", "N", "D", "? more EN", "D! hidden", " never"];
        let sent: Vec<String> = pieces.iter().map(|p| st.push(p)).collect();
        assert_eq!(sent, ["Hello ", "", "", "END? more ", "", ""]);
        assert!(st.stopped());
        // Without a stop, the held tail comes out at the end; multi-byte stops are safe.
        let mut st = StopStream::new(stops(json!(["éé"])));
        assert_eq!(st.push("café"), "caf");
        assert_eq!(st.push("s"), "és");
        assert_eq!(st.push("é"), "");
        assert_eq!(st.finish(), "é");
        assert!(!st.stopped());
        // Pieces glued back together equal the cut of the whole text.
        let text = "abc STOP def";
        let s = stops(json!("STOP"));
        let mut st = StopStream::new(s.clone());
        let streamed: String = text.chars().map(|c| st.push(&c.to_string())).collect();
        assert_eq!(streamed, &text[..s.cut(text).unwrap()]);
    }

    #[test]
    fn fields_are_served_ignored_or_refused_by_name() {
        let extra = |v: Value| v.as_object().unwrap().clone();
        let ok = extra(
            json!({"user": "u1", "frequency_penalty": 0, "response_format": {"type": "text"},
                              "tools": [], "metadata": {"a": "b"}, "logit_bias": null}),
        );
        assert!(check_fields(&ok, Some(1), Some(false)).is_ok());
        for (bad, word) in [
            (json!({"tools": [{"type": "function"}]}), "tools"),
            (json!({"presence_penalty": 0.5}), "presence_penalty"),
            (
                json!({"response_format": {"type": "json_object"}}),
                "response_format",
            ),
            (json!({"temprature": 0.2}), "unknown field"),
        ] {
            let e = check_fields(&extra(bad), None, None).unwrap_err();
            assert!(format!("{e:?}").contains(word), "{e:?}");
        }
        assert!(check_fields(&Map::new(), Some(2), None).is_err());
        assert!(check_fields(&Map::new(), None, Some(true)).is_err());
    }
}
