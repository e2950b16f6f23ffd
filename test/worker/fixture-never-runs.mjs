// A thread that comes up and never runs its handler (a module load that never ends).
setInterval(() => undefined, 1000);
