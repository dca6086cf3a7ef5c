#include "conductor/session.h"

namespace bd {

void Session::begin(Task<Result<QueryOutput>> root) {
  root_ = std::move(root);
  root_.handle().resume();
}

void Session::feed(std::vector<InResponse> responses) {
  responses_ = std::move(responses);
  auto h = std::exchange(waiting_, {});
  if (h) h.resume();
}

}  // namespace bd
