"""Password hashing (密码存储): Argon2id with parameters measured on the platform's reference machine."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, t=2, m=22528 KiB (22 MiB), p=1: about 27 ms of CPU per verification (Django's default: 204 ms).

    Django 5.2's default (t=2, m=100 MiB, p=8) costs far more CPU than a login can afford on a 2-core server.
    OWASP's minimum for Argon2id is m=19456 KiB (19 MiB), t=2, p=1; we keep t=2 and p=1 and spend the remaining
    budget (at most ~30 ms of CPU per verification) on memory, which is what makes guessing expensive on GPUs.
    p=1: one verification occupies one core, so 2 cores verify roughly 70 passwords a second at most.

    Measured with ``bench/argon2.py`` (median of 50 verifications after 5 warm-up; 2-core AMD EPYC, Python 3.11.7,
    argon2-cffi 25.1.0, Django 5.2.19; three runs agreed within 1 ms of CPU, except Django's wall time, 118–162 ms,
    which depends on whether the second core is free):

    ====================  ===  =======  ===  =======  ======  =======
    parameters              t  m (KiB)    p  wall ms  CPU ms  CPU p90
    ====================  ===  =======  ===  =======  ======  =======
    Django 5.2 default      2   102400    8    118.4   204.0    222.4
    OWASP minimum           2    19456    1     22.6    22.6     23.7
    Tongban tuned           2    22528    1     26.8    26.8     27.7
    ====================  ===  =======  ===  =======  ======  =======

    Measured the same way while choosing: m=24576 KiB, 29.5 ms (too close to the budget); t=3 with 19 MiB, 34 ms.

    The algorithm name stays ``"argon2"``: hashes made with other parameters (Django's default) still verify, and
    ``must_update`` is then true, so Django re-hashes the password with these parameters at the next login.
    """

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 22528
    parallelism = 1
