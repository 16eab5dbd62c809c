/* Screenshots as files: see shot.h. */
#include "shot.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SHOT_MAX_SIDE 16384

/* Reads a P6 file with maxval 255 (the only kind its writers make). */
static uint8_t *ppm_read(FILE *f, unsigned *w, unsigned *h)
{
	unsigned max;
	uint8_t *rgb;

	if (fscanf(f, "P6 %u %u %u", w, h, &max) != 3 || max != 255 || fgetc(f) == EOF || *w == 0 ||
	    *h == 0 || *w > SHOT_MAX_SIDE || *h > SHOT_MAX_SIDE)
		return NULL;
	rgb = malloc((size_t)*w * *h * 3);
	if (rgb && fread(rgb, 3, (size_t)*w * *h, f) != (size_t)*w * *h) {
		free(rgb);
		return NULL;
	}
	return rgb;
}

static int png_write(FILE *f, const uint8_t *rgb, unsigned w, unsigned h)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (!info || setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < h; y++)
		png_write_row(png, rgb + (size_t)y * w * 3);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int shot_ppm_to_png(const char *who, const char *ppm, const char *png)
{
	FILE *in = fopen(ppm, "rb"), *out;
	unsigned w, h;
	uint8_t *rgb;
	int r;

	if (!in) {
		perror(ppm);
		return -1;
	}
	rgb = ppm_read(in, &w, &h);
	fclose(in);
	if (!rgb) {
		fprintf(stderr, "%s: %s is not a whole screenshot\n", who, ppm);
		return -1;
	}
	out = fopen(png, "wb");
	if (!out) {
		fprintf(stderr, "%s: cannot write %s: ", who, png);
		perror(NULL);
		free(rgb);
		return -1;
	}
	r = png_write(out, rgb, w, h);
	if (fclose(out) != 0 || r < 0) {
		fprintf(stderr, "%s: cannot write %s\n", who, png);
		r = -1;
	}
	free(rgb);
	return r;
}

int shot_ppm_size(const char *ppm, unsigned *w, unsigned *h)
{
	FILE *in = fopen(ppm, "rb");
	unsigned max;
	int r = -1;

	if (!in)
		return -1;
	if (fscanf(in, "P6 %u %u %u", w, h, &max) == 3 && max == 255 && *w && *h &&
	    *w <= SHOT_MAX_SIDE && *h <= SHOT_MAX_SIDE)
		r = 0;
	fclose(in);
	return r;
}
