# Warnings for our own C++ sources; kept strict so kernels stay clean.
set(CTC4J_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter)
