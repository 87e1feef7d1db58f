#ifndef CTERMINALSHIMS_H
#define CTERMINALSHIMS_H

/// The terminal's size in rows and columns (ioctl TIOCGWINSZ, which Swift cannot call: ioctl is
/// variadic). Returns 0 on success, -1 when `fd` is not a terminal.
int ct_window_size(int fd, int *rows, int *columns);

#endif
