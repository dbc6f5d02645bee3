#include "source/unique_fd.h"

#include <system_error>
#include <unistd.h>

namespace sm::source {

void UniqueFd::reset(int fd) noexcept {
  // close() is not retried on EINTR: on Linux the descriptor is released either way,
  // and a retry could close a descriptor another thread has just been given.
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string errno_text(int error_number) {
  return std::system_category().message(error_number);
}

}  // namespace sm::source
