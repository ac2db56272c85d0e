#include "core/sync.h"

namespace missive {

const char* entry_kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::message: return "message";
    case EntryKind::read: return "read";
    case EntryKind::status: return "status";
    case EntryKind::expiry: return "expiry";
    case EntryKind::reminder: return "reminder";
    case EntryKind::attachment: return "attachment";
  }
  return "message";
}

const char* delivery_status_name(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::sent: return "sent";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::read: return "read";
  }
  return "sent";
}

}  // namespace missive
