package server

// divider is what a conflict looks like, for the parser's tests.
const divider = "=======\n"
