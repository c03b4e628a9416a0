"""Virus scanning of uploads (病毒扫描): one interface, plugins chosen by TONGBAN_FILE_SCANNER."""
