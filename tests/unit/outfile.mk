# Unit tests of the launcher's output files (tools/popek/outfile.c): written
# beside the path and renamed, so a failed write keeps the old file; and the
# bare run's log rewrite (banner.c), which goes through it.
UNIT_TESTS += outfile
outfile_SRCS := tests/unit/test_outfile.c tools/popek/outfile.c tools/popek/banner.c
outfile_LIBS :=
