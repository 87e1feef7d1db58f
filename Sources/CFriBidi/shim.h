#define FRIBIDI_NO_DEPRECATED 1
#include <fribidi.h>

/* FriBidi's paragraph directions are macros built from bit masks, which Swift cannot import. */
static inline FriBidiParType cfribidi_paragraph_rtl(void) { return FRIBIDI_PAR_RTL; }
static inline FriBidiParType cfribidi_paragraph_auto(void) { return FRIBIDI_PAR_ON; }
static inline int cfribidi_is_rtl(FriBidiParType direction) { return FRIBIDI_IS_RTL(direction) ? 1 : 0; }
