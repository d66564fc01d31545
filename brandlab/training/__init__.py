"""Training and evaluation of brandlab's own sentiment model (needs the ``train`` extra).

``data`` reads and splits the labelled corpora, ``baseline`` fits the character n-gram
TF-IDF + logistic-regression model, ``transformer`` trains the small BERT classifier,
``evaluate`` scores every part on every held-out split, ``export`` writes ONNX / int8 and the
model card. ``run.train_sentiment`` ties them together (``brandlab train-sentiment``).
"""
