/*
 * tui.h - the terminal UI entry point: `flowlens [OPTIONS] [SOURCE...]`.
 */
#ifndef FLOWLENS_UI_TUI_H
#define FLOWLENS_UI_TUI_H

/*
 * Run the terminal UI with argv as given to main() (argv[0] is the program;
 * options and sources follow).  Returns the process exit code: 0, 1 (the
 * store or terminal failed), 2 (usage or config file error).
 */
int tui_main(int argc, char **argv);

/* The --help text of the UI (for `flowlens help tui`). */
extern const char tui_usage[];

#endif
