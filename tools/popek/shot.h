/*
 * Screenshots as files: a PPM (P6) frame, as QEMU's screendump and popek's
 * control socket write them, turned into a PNG with libpng.
 */
#ifndef POPEK_TOOLS_SHOT_H
#define POPEK_TOOLS_SHOT_H

/* Writes the P6 PPM at ppm as a PNG at png; 0, or -1 having said why on stderr (who: ...). */
int shot_ppm_to_png(const char *who, const char *ppm, const char *png);

/* The size of the P6 PPM at ppm; 0, or -1 when it is no such file. */
int shot_ppm_size(const char *ppm, unsigned *w, unsigned *h);

#endif
