"""Timestamp authorities (时间戳服务, RFC 3161) as plugins: :mod:`.registry` picks one by TONGBAN_TSA; the local
simulator lives in :mod:`.contrib.simulator` and only the registry names it."""
