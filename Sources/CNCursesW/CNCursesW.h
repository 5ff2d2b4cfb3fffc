/* The system's wide-character curses library (libncursesw5-dev on Debian and Ubuntu; pkg-config ncursesw), as
   the SwiftPM system-library target CNCursesW: the package names it, with the package that provides it, so a
   build that lacks it says what to install. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>
