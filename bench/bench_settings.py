"""The production settings for the portal benchmark's server: only the tracking rate limits are raised, so that
a load generator on one loopback address measures the pages and not the limiter."""

from tinhso.conf.settings.production import *  # noqa: F403

TINHSO_TRACKING_LIMITS = {"per_address": (10**9, 60), "wrong_per_code": (10**9, 15 * 60)}
