# Unit tests of `popek pg` (docs/pg.md): the log parsers and the
# classification (test_pg), and the x86 contrast's classification (test_pg_x86).
UNIT_TESTS += pg pg_x86
pg_SRCS     := tests/unit/test_pg.c tools/popek/pg_log.c tools/popek/pg_table.c \
	tools/popek/pg_report.c tools/popek/pg_x86.c
pg_LIBS     :=
pg_x86_SRCS := tests/unit/test_pg_x86.c tools/popek/pg_x86.c
pg_x86_LIBS :=
