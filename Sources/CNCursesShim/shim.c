#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "CNCursesShim.h"

static volatile sig_atomic_t pending_signal = 0;
static volatile sig_atomic_t active = 0;
static struct termios saved_termios;
static int have_saved_termios = 0;
static SCREEN *screen = NULL;
static volatile sig_atomic_t mouse_on = 0;

/* xterm mouse reporting: button presses and releases with the wheel (1000), in SGR form (1006). */
static const char mouse_enable[] = "\033[?1000h\033[?1006h";
static const char mouse_disable[] = "\033[?1006l\033[?1000l";

static void on_terminate(int sig) { pending_signal = sig; }

/* A fatal signal: put the terminal back as it was (async-signal-safe calls only), then die as asked. */
static void on_fatal(int sig) {
    if (active) {
        static const char reset[] = "\033[?1006l\033[?1000l\033[0m\033[?25h\033[?1049l\r\n";
        if (have_saved_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        (void)!write(STDOUT_FILENO, reset, sizeof reset - 1);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

int rd_check_terminal(void) {
    int err = 0;
    const char *term = getenv("TERM");
    if (term == NULL || *term == '\0') return -1;
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) return err == 0 ? -2 : -1;
    const char *cup = tigetstr("cup");
    int usable = cup != NULL && cup != (char *)-1;
    del_curterm(cur_term);
    return usable ? 0 : -2;
}

int rd_start(void) {
    setlocale(LC_ALL, "");
    if (getenv("ESCDELAY") == NULL) set_escdelay(25);
    if (tcgetattr(STDIN_FILENO, &saved_termios) == 0) have_saved_termios = 1;
    screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return -1;
    set_term(screen);
    active = 1;
    struct sigaction terminate;
    memset(&terminate, 0, sizeof terminate);
    terminate.sa_handler = on_terminate;
    sigaction(SIGTERM, &terminate, NULL);
    sigaction(SIGHUP, &terminate, NULL);
    int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], on_fatal);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    /* Mouse reports reach the program as the bytes the terminal sends, read whole by its key stream. */
    keyok(KEY_MOUSE, FALSE);
    intrflush(stdscr, FALSE);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    return 0;
}

void rd_stop(void) {
    if (!active) return;
    rd_mouse(0);
    active = 0;
    curs_set(1);
    endwin();
    if (screen != NULL) {
        delscreen(screen);
        screen = NULL;
    }
}

int rd_lines(void) { return LINES; }
int rd_cols(void) { return COLS; }
int rd_colors(void) { return has_colors() ? COLORS : 0; }
int rd_color_pairs(void) { return has_colors() ? COLOR_PAIRS : 0; }

int rd_define_pair(int pair, int fg, int bg) { return init_extended_pair(pair, fg, bg); }

void rd_put(int y, int x, const wchar_t *text, int count, int pair, int attrs) {
    attr_t a = A_NORMAL;
    if (attrs & RD_ATTR_BOLD) a |= A_BOLD;
    if (attrs & RD_ATTR_DIM) a |= A_DIM;
    if (attrs & RD_ATTR_ITALIC) a |= A_ITALIC;
    if (attrs & RD_ATTR_UNDERLINE) a |= A_UNDERLINE;
    if (attrs & RD_ATTR_REVERSE) a |= A_REVERSE;
    int p = pair;
    wattr_set(stdscr, a, 0, &p);
    /* Writing the bottom-right cell reports an error after the write succeeded; it is not one here. */
    (void)mvaddnwstr(y, x, text, count);
}

void rd_refresh(void) { refresh(); }

void rd_move_cursor(int y, int x) {
    if (y < 0 || x < 0 || y >= LINES || x >= COLS) return;
    move(y, x);
    refresh();
}

/* Bytes written to the terminal as they are, after what curses has buffered. */
static void write_raw(const char *bytes, size_t count) {
    fflush(stdout);
    while (count > 0) {
        ssize_t n = write(STDOUT_FILENO, bytes, count);
        if (n <= 0) return;
        bytes += n;
        count -= (size_t)n;
    }
}

void rd_cursor_visible(int visible) {
    if (active) curs_set(visible ? 1 : 0);
}

void rd_mouse(int on) {
    if (!active || (on != 0) == (mouse_on != 0)) return;
    mouse_on = on != 0;
    if (on) write_raw(mouse_enable, sizeof mouse_enable - 1);
    else write_raw(mouse_disable, sizeof mouse_disable - 1);
}

void rd_write_raw(const char *bytes, int count) {
    if (active && count > 0) write_raw(bytes, (size_t)count);
}
void rd_clear_all(void) { clearok(curscr, TRUE); }

int rd_read_key(int timeout_ms, int *value) {
    wint_t ch = 0;
    timeout(timeout_ms);
    int kind = get_wch(&ch);
    if (kind == ERR) return RD_KEY_NONE;
    if (kind == OK) {
        *value = (int)ch;
        return RD_KEY_CHAR;
    }
    switch (ch) {
    case KEY_UP: *value = RD_SPECIAL_UP; break;
    case KEY_DOWN: *value = RD_SPECIAL_DOWN; break;
    case KEY_LEFT: *value = RD_SPECIAL_LEFT; break;
    case KEY_RIGHT: *value = RD_SPECIAL_RIGHT; break;
    case KEY_HOME: *value = RD_SPECIAL_HOME; break;
    case KEY_END: *value = RD_SPECIAL_END; break;
    case KEY_PPAGE: *value = RD_SPECIAL_PAGE_UP; break;
    case KEY_NPAGE: *value = RD_SPECIAL_PAGE_DOWN; break;
    case KEY_BTAB: *value = RD_SPECIAL_BACK_TAB; break;
    case KEY_RESIZE: *value = RD_SPECIAL_RESIZE; break;
    case KEY_ENTER: *value = RD_SPECIAL_ENTER; break;
    case KEY_BACKSPACE: *value = RD_SPECIAL_BACKSPACE; break;
    case KEY_DC: *value = RD_SPECIAL_DELETE; break;
    case KEY_F(1): *value = RD_SPECIAL_F1; break;
    default: *value = RD_SPECIAL_OTHER; break;
    }
    return RD_KEY_SPECIAL;
}

int rd_pending_signal(void) { return pending_signal; }
