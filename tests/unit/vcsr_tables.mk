# vcsr.c's direct-indexed CSR table against a scan of its rows (the file is included, statics and all).
UNIT_TESTS += vcsr_tables
vcsr_tables_SRCS := tests/unit/test_vcsr_tables.c
