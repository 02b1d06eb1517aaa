#include "support/error.h"

namespace ctc4j {

thread_local std::string last_error;
void set_last_error(const std::string& message) { last_error = message; }
const char* last_error_message() { return last_error.c_str(); }

}  // namespace ctc4j
