"""Load data for benchmarks (压测数据): bulk-generated users, their licences and cases, written with PostgreSQL COPY.

It writes tables directly, below the services, on purpose: replaying a million submissions through the services
would take days. What it writes keeps the engine's invariants (numbers and counters, clocks, queues); see
docs/adr/0018-load-data.md. Use it on benchmark databases only.
"""

# Bump when generate_load_data writes different data for the same arguments: `make bench-cases` then rebuilds its
# database (its fingerprint holds this number, not the code, so that a refactoring does not cost a rebuild).
DATA_VERSION = 2
