"""Learned styles (issue 23): the style file format and the user's library of them."""
