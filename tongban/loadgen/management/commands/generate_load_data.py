"""``manage.py generate_load_data --cases N [--users M] [--jobs K] [--seed S] [--years Y]`` — benchmark data."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.loadgen.generate import Plan, default_jobs, generate


class Command(BaseCommand):
    help = ("Generate realistic load data after the demo data: user accounts (persons and organisations) with their "
            "existing electronic licences, and cases with their whole history over the last years (licences for "
            "those decided 准予), written with PostgreSQL COPY from several processes. Benchmark databases only; "
            "SQLite takes at most 50,000 cases, in one process.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cases", type=int, required=True, help="how many cases (办件) to add")
        parser.add_argument("--users", type=int, default=None,
                            help="how many user accounts to add (default: cases / 5, at least 50): persons, and one "
                                 "in six an organisation with its own account")
        parser.add_argument("--applicants", type=int, default=None, dest="applicants", help=argparse.SUPPRESS)
        parser.add_argument("--jobs", type=int, default=None,
                            help=f"processes that generate and write (default: the CPU count, here {default_jobs()}; "
                                 "always 1 on SQLite and for small loads)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--years", type=float, default=3.0, help="cases are spread over this many years up to now")
        parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM (ANALYZE) after the load")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = int(options["cases"])
        users = options["users"]
        if options["applicants"] is not None:
            if users is not None:
                raise CommandError("--applicants 已改名为 --users，二者只能给一个。")
            self.stderr.write("--applicants 已废弃，请改用 --users。")
            users = options["applicants"]
        plan = Plan(cases=cases, users=int(users if users is not None else max(50, cases // 5)),
                    seed=int(options["seed"]), years=float(options["years"]),
                    jobs=int(options["jobs"] if options["jobs"] is not None else default_jobs()),
                    vacuum=not options["no_vacuum"])
        self.stdout.write(f"生成压测数据：{plan.cases:,} 个办件、{plan.users:,} 个用户，随机种子 {plan.seed}，"
                          f"跨 {plan.years:g} 年")

        def echo(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()  # several processes write here

        try:
            generate(plan, echo=echo)
        except DomainError as error:
            raise CommandError(error.message) from None
