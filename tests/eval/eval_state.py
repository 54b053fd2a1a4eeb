"""Wall time of a replay of seeds/ with a local --state and with an s3:// --state (moto on 127.0.0.1).

Run: .venv/bin/python tests/eval/eval_state.py   (needs the test extra: s3fs, moto[server])
Each row: first run (empty state) and a rerun of the same inputs (remote: cache hit, state unchanged).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    tmp = Path(tempfile.mkdtemp(prefix="claimwire-eval-state-"))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": f"http://{host}:{port}", "NO_PROXY": "*", "CLAIMWIRE_STATE_CACHE": str(tmp / "cache")}
    os.environ.update(env)
    import s3fs
    s3fs.S3FileSystem().mkdir("eval-state")

    def run(*args: str) -> float:
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "pipelines", "replay", str(ROOT / "seeds"), "--quiet", *args],
                           cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise SystemExit(r.stderr)
        return time.monotonic() - t0

    try:
        for label, args in (("local", ["--output", str(tmp / "o1"), "--state", str(tmp / "st")]),
                            ("s3", ["--output", str(tmp / "o2"), "--state", "s3://eval-state/st"])):
            print(f"{label:6s} first {run(*args):.2f} s   rerun {run(*args):.2f} s")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
