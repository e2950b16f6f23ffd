// A thread that ends before it runs its handler (a broken install, a thread that cannot get its heap).
process.exit(3);
