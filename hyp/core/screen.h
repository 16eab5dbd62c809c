/*
 * The real screen and keyboard, like a terminal's virtual consoles: the
 * VM that has the focus is shown on the real display (drivers/virtio_gpu.c)
 * under a one-line status bar (its name and state), and gets what is typed
 * on the real keyboard and the real tablet's moves, scaled to its screen
 * (drivers/virtio_input.c).  Ctrl+Alt+F1..F8 gives the focus to the
 * first..eighth VM with a display, as does the monitor's `focus NAME`.  Only
 * when some VM has a display (`popek run` then gives QEMU a
 * virtio-gpu-device, a virtio-keyboard-device and a virtio-tablet-device).
 */
#ifndef POPEK_CORE_SCREEN_H
#define POPEK_CORE_SCREEN_H

struct machine;
struct vm;

/* Finds the real GPU, keyboard and tablet if some VM has a display; the first such VM has the focus. */
void screen_init(struct vm *vms, int n, const struct machine *m);
/* Between slices: the keyboard's and tablet's events to the focused VM, the screen up to date. */
void screen_poll(void);
/* Gives the focus to VM name: 0, or -1 (no such VM), -2 (it has no display), -3 (no real screen). */
int screen_focus(const char *name);
/* Why screen_focus refused, for the monitor and the control channel. */
const char *screen_focus_why(int r);

#endif
