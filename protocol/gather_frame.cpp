#include "protocol/gather_frame.hpp"

namespace kafkalite::protocol {

void GatherFrame::start() {
  bytes_.clear();
  pieces_.clear();
  ownedStart_ = 0;
  size_ = 0;
  bytes_.resize(4);  // size prefix, filled in by finish()
}

void GatherFrame::finish() {
  if (bytes_.size() > ownedStart_ || pieces_.empty()) {
    pieces_.push_back({nullptr, ownedStart_, bytes_.size() - ownedStart_});
  }
  // Drop empty owned runs (two record sets back to back).
  std::erase_if(pieces_, [](const Piece& p) { return p.length == 0; });
  size_ = 0;
  for (const Piece& p : pieces_) size_ += p.length;
  const auto body = static_cast<uint32_t>(size_ - 4);
  detail::storeBigEndian(bytes_.data(), body, 4);
}

std::vector<uint8_t> GatherFrame::flatten() const {
  std::vector<uint8_t> out;
  out.reserve(size_);
  forEachPiece([&](std::span<const uint8_t> piece) { out.insert(out.end(), piece.begin(), piece.end()); });
  return out;
}

}  // namespace kafkalite::protocol
