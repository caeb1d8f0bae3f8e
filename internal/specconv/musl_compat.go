package specconv

// libseccomp's archive comes from the distribution, built against glibc
// with _FORTIFY_SOURCE: it calls glibc's checked __fprintf_chk (only in
// its PFC text output, which rt does not use). musl has no _chk
// functions, so a musl build of rt supplies this one; a glibc build
// takes glibc's.

/*
#if !defined(__GLIBC__)
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *format, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, format);
	n = vfprintf(f, format, ap);
	va_end(ap);
	return n;
}
#endif
*/
import "C"
