#!/usr/bin/env python3
"""Runs the `run:` steps of a GitHub Actions job on this machine, in order, as the runner would.

    python3 scripts/ci/run-workflow-locally.py examples/ci/github-actions.yml [--job gate]

- The job's `env:` is applied, but variables already set in your environment win, so
  `MIZAN_GATE_ENDPOINT=local-gemma-degraded python3 scripts/ci/run-workflow-locally.py …` runs the
  same steps against the degraded model.
- `uses:` steps (checkout, cache, artifact upload) are GitHub services: they are listed and skipped.
- After a failing step, only steps with `if: always()` run; the exit code is the first failure's.
- $GITHUB_PATH and $GITHUB_STEP_SUMMARY work as on GitHub; the summary is printed at the end.
- `${{ … }}` expressions in `run:` are not evaluated: the script refuses such a step.
"""
import os, subprocess, sys, tempfile

try:
    import yaml
except ImportError:
    sys.exit("needs PyYAML: python3 -m pip install pyyaml")


def main() -> int:
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    path, job_name = args[0], None
    if "--job" in args:
        job_name = args[args.index("--job") + 1]
    with open(path, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    jobs = workflow.get("jobs") or {}
    if job_name is None:
        if len(jobs) != 1:
            sys.exit(f"{path}: several jobs ({', '.join(jobs)}); choose one with --job")
        job_name = next(iter(jobs))
    job = jobs[job_name]
    work = tempfile.mkdtemp(prefix="mizan-workflow-")
    gh_path, summary = os.path.join(work, "path"), os.path.join(work, "summary.md")
    open(gh_path, "w").close()
    open(summary, "w").close()
    env = dict(os.environ)
    for k, v in (job.get("env") or {}).items():
        env.setdefault(k, str(v))
    env.update({"GITHUB_PATH": gh_path, "GITHUB_STEP_SUMMARY": summary, "GITHUB_ACTIONS": "true", "CI": "true"})
    failed = 0
    for i, step in enumerate(job.get("steps") or [], 1):
        name = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
        condition = str(step.get("if", ""))
        if failed and "always()" not in condition:
            print(f"--- step {i}: {name}: skipped (an earlier step failed)")
            continue
        if "uses" in step:
            print(f"--- step {i}: {name}: GitHub action, skipped locally")
            continue
        script = step["run"]
        if "${{" in script:
            sys.exit(f"{path}: step {i} ({name}) uses a ${{{{ }}}} expression; use an environment variable instead")
        extra = [p.strip() for p in open(gh_path, encoding="utf-8") if p.strip()]
        step_env = dict(env)
        step_env.update({k: str(v) for k, v in (step.get("env") or {}).items()})
        step_env["PATH"] = os.pathsep.join(list(reversed(extra)) + [env["PATH"]])
        print(f"--- step {i}: {name}", flush=True)
        status = subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=step_env).returncode
        if status != 0:
            print(f"--- step {i}: {name}: exit {status}", flush=True)
            failed = failed or status
    text = open(summary, encoding="utf-8").read()
    if text:
        print("--- job summary ($GITHUB_STEP_SUMMARY):\n" + text)
    print(f"--- job {job_name}: {'failed with exit ' + str(failed) if failed else 'passed'}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
