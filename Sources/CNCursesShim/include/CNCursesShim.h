#ifndef RELEASEDESK_CNCURSES_SHIM_H
#define RELEASEDESK_CNCURSES_SHIM_H

#include <wchar.h>

/* A small C surface over ncursesw, so Swift never touches curses globals or macros directly. */

/* Key kinds returned by rd_read_key. */
enum {
    RD_KEY_NONE = 0,      /* timeout, nothing read */
    RD_KEY_CHAR = 1,      /* *value holds a Unicode scalar */
    RD_KEY_SPECIAL = 2    /* *value holds one of RD_SPECIAL_* */
};

enum {
    RD_SPECIAL_UP = 1, RD_SPECIAL_DOWN, RD_SPECIAL_LEFT, RD_SPECIAL_RIGHT, RD_SPECIAL_HOME, RD_SPECIAL_END,
    RD_SPECIAL_PAGE_UP, RD_SPECIAL_PAGE_DOWN, RD_SPECIAL_BACK_TAB, RD_SPECIAL_RESIZE, RD_SPECIAL_ENTER,
    RD_SPECIAL_BACKSPACE, RD_SPECIAL_DELETE, RD_SPECIAL_F1, RD_SPECIAL_OTHER
};

/* Attribute bits accepted by rd_put. */
enum { RD_ATTR_BOLD = 1, RD_ATTR_DIM = 2, RD_ATTR_ITALIC = 4, RD_ATTR_UNDERLINE = 8, RD_ATTR_REVERSE = 16 };

/* Checks the terminal type: 0 usable, -1 unknown terminal, -2 a terminal that cannot address the cursor
   (such as TERM=dumb). Call before rd_start. */
int rd_check_terminal(void);
/* Enters curses mode: locale, raw keys, no echo, keypad, Esc delay, hidden cursor, colours. 0 on success. */
int rd_start(void);
/* Leaves curses mode and restores the terminal. Safe to call more than once. */
void rd_stop(void);
int rd_lines(void);
int rd_cols(void);
/* Number of colours and colour pairs the terminal offers (0 without colour). */
int rd_colors(void);
int rd_color_pairs(void);
/* Defines colour pair `pair` (1...) with foreground and background colour numbers; -1 is the default. */
int rd_define_pair(int pair, int fg, int bg);
/* Writes `count` wide characters at row y, column x with a colour pair and RD_ATTR_* bits. */
void rd_put(int y, int x, const wchar_t *text, int count, int pair, int attrs);
void rd_refresh(void);
/* Makes the next refresh repaint the whole screen. */
void rd_clear_all(void);
/* Reads one key, waiting at most `timeout_ms`. Returns RD_KEY_*; *value as described there. */
int rd_read_key(int timeout_ms, int *value);
/* Leaves the cursor at row y, column x (refreshing); nothing when outside the screen. */
void rd_move_cursor(int y, int x);
/* Shows (1) or hides (0) the cursor. */
void rd_cursor_visible(int visible);
/* Turns xterm mouse reports (SGR form) on or off; off again when curses mode ends. */
void rd_mouse(int on);
/* Writes `count` bytes to the terminal as they are (an OSC 52 sequence), after what curses has buffered. */
void rd_write_raw(const char *bytes, int count);
/* The signal that asked the program to end (SIGTERM, SIGHUP), or 0. */
int rd_pending_signal(void);

#endif
