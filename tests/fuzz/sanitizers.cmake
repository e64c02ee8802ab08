# Included by the top-level CMakeLists.txt when DAX_FUZZ is ON (scripts/build_fuzz.sh), before any
# target is defined: every target (the ANTLR grammar, libdax, the fuzzers) is compiled with
# libFuzzer's coverage instrumentation and ASan+UBSan. Only libdax and tests/fuzz are built.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "DAX_FUZZ needs clang (libFuzzer): configure with CC=clang-14 CXX=clang++-14")
endif()

# Normal variables shadow the cache options: no apps, tests or benchmarks in this build.
set(DAX_BUILD_APPS OFF)
set(DAX_BUILD_TESTS OFF)
set(DAX_BUILD_BENCH OFF)
set(DAX_BUILD_EXAMPLES OFF)

# Added after CMAKE_CXX_FLAGS_<CONFIG>, so -O1 wins over Release's -O3. _GLIBCXX_ASSERTIONS checks
# std::vector/string operator[], front(), back() ... (no ABI change, unlike _GLIBCXX_DEBUG).
# UBSan's vptr check is off: it references the typeinfo of every polymorphic class used, and
# Debian's libsoci_core does not export that of soci::details::ref_counted_statement.
add_compile_options(
  -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-sanitize=vptr
  -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -g -O1 -D_GLIBCXX_ASSERTIONS)
add_link_options(-fsanitize=address,undefined)

# Debian's ANTLR 4.9 runtime headers do not compile with clang in C++20: misc/InterpreterDataReader.h
# default-constructs a dfa::Vocabulary whose default constructor is deleted (const members), which
# g++ lets pass. The generated parser does not use it: a copy of antlr4-runtime.h without that
# include is put ahead of the runtime's directory (quoted includes reach it first).
find_path(DAX_ANTLR4_RUNTIME_DIR antlr4-runtime.h PATH_SUFFIXES antlr4-runtime REQUIRED)
file(READ ${DAX_ANTLR4_RUNTIME_DIR}/antlr4-runtime.h dax_antlr4_header)
string(REPLACE "#include \"misc/InterpreterDataReader.h\"" "// (misc/InterpreterDataReader.h left out for clang: tests/fuzz/sanitizers.cmake)"
       dax_antlr4_header "${dax_antlr4_header}")
file(WRITE ${CMAKE_BINARY_DIR}/antlr4-clang/antlr4-runtime.h "${dax_antlr4_header}")
include_directories(BEFORE SYSTEM ${CMAKE_BINARY_DIR}/antlr4-clang)
