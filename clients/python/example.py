"""Lumina Serve from Python: list models, generate a small image with progress, download it with
GetArtifact, then submit a second job and cancel it. Exits non-zero on any failure.

    PYTHONPATH=generated:. python3 example.py --target localhost:8443 [--api-key KEY] [--out DIR]
"""

import argparse
import os
import sys
import time

from lumina_client import LuminaClient, LuminaError
from lumina.v1 import generation_pb2

PNG = b"\x89PNG\r\n\x1a\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", default=os.environ.get("LUMINA_TARGET", "localhost:8443"))
    p.add_argument("--api-key", default=os.environ.get("LUMINA_API_KEY"))
    p.add_argument("--out", default=".")
    p.add_argument("--steps", type=int, default=2)
    args = p.parse_args()

    with LuminaClient(args.target, args.api_key) as client:
        models = client.list_models()
        if not models:
            raise SystemExit("no models served")
        model = models[0]
        print(f"model {model.name}: {model.default_geometry.width}x{model.default_geometry.height}")

        request = client.request(
            "a red square on a white wall",
            model=model.name,
            sampling=generation_pb2.Sampling(steps=args.steps, seed=7),
            output=generation_pb2.Output(preview_every=1),
        )
        job_id, frames = None, 0
        for chunk in client.generate(request, timeout=300):
            kind = chunk.WhichOneof("payload")
            job_id = chunk.job_id
            if kind == "accepted":
                print(f"job {job_id} accepted on tier {chunk.accepted.tier}")
            elif kind == "progress":
                print(f"step {chunk.progress.step}/{chunk.progress.total}")
            elif kind == "frame":
                frames += 1
            elif kind == "completed":
                print(f"completed, seed {chunk.completed.seed}, {len(chunk.completed.artifacts)} artifact(s)")
            elif kind == "failed":
                raise SystemExit(f"job failed: {chunk.failed.code}: {chunk.failed.message}")
        if frames == 0:
            raise SystemExit("no frame streamed")

        path = os.path.join(args.out, "python-example.png")
        media_type = client.download_artifact(job_id, path, index=0)
        with open(path, "rb") as f:
            if f.read(8) != PNG:
                raise SystemExit("downloaded artifact is not a PNG")
        print(f"downloaded {media_type} {os.path.getsize(path)} bytes to {path}")

        second = client.submit(
            client.request(
                "a blue circle", model=model.name, sampling=generation_pb2.Sampling(steps=args.steps)
            )
        )
        client.cancel(second.job_id)
        deadline = time.time() + 120
        state = client.get_job(second.job_id).state
        while state in (generation_pb2.QUEUED, generation_pb2.RUNNING) and time.time() < deadline:
            try:
                for _ in client.watch(second.job_id, timeout=120):
                    pass
            except LuminaError as e:
                # A cancelled job's stream ends with status CANCELLED.
                print(f"watch ended: {e.code}")
            state = client.get_job(second.job_id).state
        name = generation_pb2.JobState.Name(state)
        if state in (generation_pb2.QUEUED, generation_pb2.RUNNING):
            raise SystemExit(f"cancelled job still {name}")
        print(f"second job {second.job_id} ended {name}")
    print("python example: OK")


if __name__ == "__main__":
    try:
        main()
    except LuminaError as e:
        print(f"python example: {e}", file=sys.stderr)
        sys.exit(1)
