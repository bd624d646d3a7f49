def count_word(text, word):
    """How many words of text are word, ignoring case."""
    word = word.lower()
    return text.lower().split().count(word)


def has_word(text, word):
    """Whether text has word, ignoring case."""
    return word in text.lower().split()
