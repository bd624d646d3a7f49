from bank import Account

def test_withdraw():
    assert Account(100).withdraw(30) == 70

def test_deposit():
    assert Account(5).deposit(5) == 10
