"""Operations: one function per user action, shared by the GUI and the command line."""
