//! Prints the tokens of a chat prompt and the engine's greedy choice at every position.
//! `cargo run --release -p ambient-llm --example argmax -- "question"`
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let q = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "What is the capital of France?".into());
    let e = ambient_llm::Engine::load(
        ambient_llm::default_model_path(),
        &Default::default(),
        |_| {},
    )?;
    let toks = e.chat_prompt(&[ambient_llm::Message::new("user", q)])?;
    println!(
        "tokens {}",
        toks.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let logits = e.all_logits(&toks)?;
    let v = e.model().config.vocab;
    let am: Vec<u32> = logits
        .chunks(v)
        .map(|r| ambient_llm::sampler::sample(r, &Default::default(), 0).unwrap())
        .collect();
    println!("argmax {:?}", am);
    println!("decoded {:?}", e.tokenizer().decode(&am, false)?);
    Ok(())
}
