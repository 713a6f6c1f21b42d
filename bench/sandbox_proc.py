"""A sandbox in its own process for benchmarks: prints one JSON line, then obeys stdin.

Commands (one per line): ``touch N`` edits N candidates as a recruiter would (stamps
lastModified) and answers ``ok``; ``counts`` answers the tenant's record counts as JSON;
``quit`` (or EOF) stops the sandbox.
"""

from __future__ import annotations

import json
import sys

from unimap_connectors.otys.sandbox import Sandbox

SERVICES = ("UserService", "VacancyService", "CandidateService", "ProcedureService", "ProcedureStatus1Service")


def main() -> None:
    size, rate = int(sys.argv[1]), int(sys.argv[2])
    with Sandbox(seed=1, size=size, rate_limit=rate or None) as sandbox:
        tenant = sandbox.tenant
        print(json.dumps({"base_url": sandbox.base_url, "api_key": sandbox.api_key}), flush=True)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "touch":
                for record in tenant.records("CandidateService")[: int(arg)]:
                    tenant.update("CandidateService", record["uid"], {"source": "Benchmark edit"})
                print("ok", flush=True)
            elif command == "counts":
                print(json.dumps({s: tenant.count(s) for s in SERVICES}), flush=True)
            elif command == "quit":
                break


if __name__ == "__main__":
    main()
