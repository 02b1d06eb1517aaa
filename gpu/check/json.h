// One JSON object on one line, built key by key (the harness writes flat records only).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace harness {

class JsonLine {
 public:
  JsonLine& text(const std::string& key, const std::string& value) { return raw(key, quote(value)); }
  JsonLine& boolean(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
  JsonLine& integer(const std::string& key, int64_t value) { return raw(key, std::to_string(value)); }
  JsonLine& number(const std::string& key, double value) {  // JSON has no NaN or infinity: null
    if (!std::isfinite(value)) return raw(key, "null");
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return raw(key, buffer);
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  JsonLine& raw(const std::string& key, const std::string& value) {
    body_ += (body_.empty() ? "" : ", ") + quote(key) + ": " + value;
    return *this;
  }
  static std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        out += escaped;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }
  std::string body_;
};

}  // namespace harness
