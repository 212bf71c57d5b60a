//! The price table: shipped in `config/prices.toml` (with the date it was taken and its
//! source), each model overridable by the user's `[prices."MODEL"]`. A model without a price
//! has none: its cost is unknown, never a guess.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::count::Tokens;

/// The shipped table, compiled into the binary.
pub const DEFAULT_PRICES: &str = include_str!("../../config/prices.toml");

/// US dollars per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub cached_input: f64,
    pub output: f64,
}

impl Price {
    /// Uncached input, cached input and output at their prices (reasoning is part of output).
    pub fn cost(&self, tokens: &Tokens) -> f64 {
        let uncached = tokens.input.saturating_sub(tokens.cached_input);
        (uncached as f64 * self.input
            + tokens.cached_input as f64 * self.cached_input
            + tokens.output as f64 * self.output)
            / 1_000_000.0
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedTable {
    taken: String,
    source: String,
    models: BTreeMap<String, Price>,
}

/// The prices in use.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTable {
    /// When the shipped prices were taken (`YYYY-MM-DD`).
    pub taken: String,
    pub source: String,
    models: BTreeMap<String, Price>,
    /// Models whose price comes from the user's config.
    overridden: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("{path}: [prices.\"{model}\"]: {message}")]
    Invalid {
        path: String,
        model: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Unreadable { path: String, message: String },
}

impl PriceTable {
    /// The shipped table alone.
    pub fn shipped() -> Self {
        let table: ShippedTable =
            toml::from_str(DEFAULT_PRICES).expect("config/prices.toml is valid (tested)");
        PriceTable {
            taken: table.taken,
            source: table.source,
            models: table.models,
            overridden: Vec::new(),
        }
    }

    /// The shipped table with the `[prices]` of the user's config file, when it exists.
    pub fn load(user_config: Option<&Path>) -> Result<Self, PriceError> {
        let mut table = Self::shipped();
        let Some(path) = user_config.filter(|path| path.exists()) else {
            return Ok(table);
        };
        let shown = path.display().to_string();
        let text =
            crate::rollout::read_regular_to_string(path).map_err(|err| PriceError::Unreadable {
                path: shown.clone(),
                message: err.to_string(),
            })?;
        table.apply_overrides(&text, &shown)?;
        Ok(table)
    }

    /// Applies the `[prices."MODEL"]` tables of a config file's text.
    pub fn apply_overrides(&mut self, config_text: &str, path: &str) -> Result<(), PriceError> {
        let config: toml::Table =
            config_text
                .parse()
                .map_err(|err: toml::de::Error| PriceError::Unreadable {
                    path: path.to_string(),
                    message: err.message().to_string(),
                })?;
        let Some(prices) = config.get("prices") else {
            return Ok(());
        };
        let Some(prices) = prices.as_table() else {
            return Err(PriceError::Unreadable {
                path: path.to_string(),
                message: "`prices` must be a table of models".to_string(),
            });
        };
        for (model, value) in prices {
            let price: Price =
                value
                    .clone()
                    .try_into()
                    .map_err(|err: toml::de::Error| PriceError::Invalid {
                        path: path.to_string(),
                        model: model.clone(),
                        message: err.message().to_string(),
                    })?;
            let negative = [price.input, price.cached_input, price.output]
                .iter()
                .any(|value| !value.is_finite() || *value < 0.0);
            if negative {
                return Err(PriceError::Invalid {
                    path: path.to_string(),
                    model: model.clone(),
                    message: "prices must be finite and not negative".to_string(),
                });
            }
            self.models.insert(model.clone(), price);
            self.overridden.push(model.clone());
        }
        Ok(())
    }

    pub fn price(&self, model: &str) -> Option<&Price> {
        self.models.get(model)
    }

    /// The cost of `tokens` of `model`; `None`: no price for it.
    pub fn cost(&self, model: Option<&str>, tokens: &Tokens) -> Option<f64> {
        Some(self.price(model?)?.cost(tokens))
    }

    pub fn is_overridden(&self, model: &str) -> bool {
        self.overridden.iter().any(|name| name == model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_says_when_and_where_it_was_taken() {
        let table = PriceTable::shipped();
        assert_eq!(table.taken, "2026-12-07");
        assert!(table.source.contains("LiteLLM"));
        let gpt5 = table.price("gpt-5").unwrap();
        let tokens = Tokens {
            input: 3_000_000,
            cached_input: 1_000_000,
            output: 1_000_000,
            reasoning: 400_000,
            total: 4_000_000,
        };
        // 2M uncached at 1.25, 1M cached at 0.125, 1M output at 10.
        assert!((gpt5.cost(&tokens) - 12.625).abs() < 1e-9);
        assert_eq!(table.cost(Some("mock-model"), &tokens), None);
        assert_eq!(table.cost(None, &tokens), None);
    }

    #[test]
    fn the_user_overrides_a_model_and_adds_one_and_bad_prices_are_refused() {
        let mut table = PriceTable::shipped();
        table
            .apply_overrides(
                "[prices.\"gpt-5\"]\ninput = 2.0\ncached_input = 0.2\noutput = 20.0\n\
                 [prices.\"my-model\"]\ninput = 1.0\ncached_input = 1.0\noutput = 1.0\n",
                "config.toml",
            )
            .unwrap();
        assert_eq!(table.price("gpt-5").unwrap().input, 2.0);
        assert!(table.is_overridden("gpt-5"));
        assert!(!table.is_overridden("gpt-5-mini"));
        assert!(table.price("my-model").is_some());

        let err = table
            .apply_overrides("[prices.\"x\"]\ninput = 1.0\n", "config.toml")
            .unwrap_err();
        assert!(err.to_string().contains("[prices.\"x\"]"), "{err}");
        let err = table
            .apply_overrides(
                "[prices.\"x\"]\ninput = -1.0\ncached_input = 0.0\noutput = 0.0\n",
                "config.toml",
            )
            .unwrap_err();
        assert!(err.to_string().contains("not negative"), "{err}");
    }
}
