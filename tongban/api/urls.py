from ninja import NinjaAPI

api = NinjaAPI(title="Tongban API", version="1")
