// One HTTP header line, as a name and a value without the CRLF.
#pragma once

#include <string>

namespace sm::http {

struct HeaderField {
  std::string name;
  std::string value;

  friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

}  // namespace sm::http
