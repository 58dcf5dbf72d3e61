// Loaded (node --import) into server processes a test starts: their stdin is a pipe from the test
// process, which ends when that process does, however it ends. Then so does the server, left to
// no one.
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();
