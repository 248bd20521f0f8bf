//! Our side of `bench/resize.sh`: resizes the file `argv[1]` to both widths
//! `argv[2]` times after one warm-up round, with the function's own code
//! (`imaging::resize`), and prints `<ms per image> <bytes of both copies>`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: bench <file> [rounds]")?;
    let rounds: u32 = args.next().map_or(Ok(10), |r| r.parse())?;
    let input = std::fs::read(path)?;
    let limits = imaging::Limits::default();
    let once = || -> Result<usize, imaging::Refusal> {
        let copies = imaging::resize(&input, &imaging::WIDTHS, &limits)?;
        Ok(copies.iter().map(|c| c.bytes.len()).sum())
    };
    once()?;
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        bytes = once()?;
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / f64::from(rounds.max(1));
    println!("{ms:.1} {bytes}");
    Ok(())
}
