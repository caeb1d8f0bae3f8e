#ifndef RT_SIGFWD_H
#define RT_SIGFWD_H

/* rt_sigfwd_catch installs, for each of the n signals in sigs, a handler
 * that writes the signal's number (one byte) to fd, saving the handlers it
 * replaces in old[0..n). It returns 0, or -errno of the first sigaction
 * that failed (those before it are restored). */
int rt_sigfwd_catch(int fd, const int *sigs, int n, void *old);

/* rt_sigfwd_restore puts back the handlers rt_sigfwd_catch saved. */
void rt_sigfwd_restore(const int *sigs, int n, const void *old);

/* rt_sigfwd_rtmin is the C library's SIGRTMIN: the signals from 32 below
 * it are the library's own. */
int rt_sigfwd_rtmin(void);

/* rt_sigfwd_old_size is the size of one saved handler in old. */
int rt_sigfwd_old_size(void);

/* rt_sigfwd_installed is 1 when sig's handler is rt_sigfwd_catch's. */
int rt_sigfwd_installed(int sig);

#endif
