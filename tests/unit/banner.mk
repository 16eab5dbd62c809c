UNIT_TESTS += banner
banner_SRCS := tests/unit/test_banner.c tools/popek/banner.c tools/popek/outfile.c
