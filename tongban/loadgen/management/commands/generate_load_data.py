"""``manage.py generate_load_data --cases N [--applicants M] [--seed S] [--years Y]`` — benchmark data."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.loadgen.generate import Plan, generate


class Command(BaseCommand):
    help = ("Generate realistic load data after the demo data: applicants (persons and organisations) and cases with "
            "their whole history over the last years, written with PostgreSQL COPY. Benchmark databases only; "
            "SQLite takes at most 50,000 cases.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cases", type=int, required=True, help="how many cases (办件) to add")
        parser.add_argument("--applicants", type=int, default=None,
                            help="how many applicants to add (default: cases / 5, at least 50); one in six an "
                                 "organisation")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--years", type=float, default=3.0, help="cases are spread over this many years up to now")
        parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM (ANALYZE) after the load")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = int(options["cases"])
        applicants = options["applicants"] if options["applicants"] is not None else max(50, cases // 5)
        plan = Plan(cases=cases, applicants=int(applicants), seed=int(options["seed"]), years=float(options["years"]),
                    vacuum=not options["no_vacuum"])
        self.stdout.write(f"生成压测数据：{plan.cases:,} 个办件、{plan.applicants:,} 个申请人，随机种子 {plan.seed}，"
                          f"跨 {plan.years:g} 年")
        try:
            generate(plan, echo=lambda line: self.stdout.write(line))
        except DomainError as error:
            raise CommandError(error.message) from None
