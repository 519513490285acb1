"""Application services: turn domain decisions into stored records. No Qt, no drivers."""
