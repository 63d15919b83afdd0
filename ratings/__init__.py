"""Ratings: the engine (pure maths) and the app that feeds it from votes."""
